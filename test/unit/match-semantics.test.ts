import { expect } from 'chai';
import type { Subscriber } from '../../schemas/subscriber.schema.js';
import type { Subscription } from '../../schemas/subscription.schema.js';
import type { TaxonomyData } from '../../schemas/taxonomy.schema.js';
import {
  buildAudiencePolicy,
  buildProfileDoc,
  buildSubscriptionDoc,
  checkEligibility,
  checkInterest,
  evaluateAudience,
  matchSubscriber,
  summarizeAudience,
  type MatchProfile,
  type MatchSubscription,
} from '../../server/matching/match-semantics.js';
import type { AudiencePolicy } from '../../server/ports/audience-index.port.js';
import { Taxonomy } from '../../server/services/taxonomy.js';
import { segmentQuery } from '../../server/text/segmenter.js';
import { TEST_TAXONOMY_TAGS } from '../support/fixtures.js';

const EXTRA_TAGS: TaxonomyData['tags'] = [
  { id: 'ipt-patent', dimension: 'ip_type', label: '专利', synonyms: [], parent: null, deprecated: false, mergedInto: null },
  { id: 'ipt-trademark', dimension: 'ip_type', label: '商标', synonyms: [], parent: null, deprecated: false, mergedInto: null },
  { id: 'ind-manufacturing', dimension: 'industry', label: '制造业', synonyms: [], parent: null, deprecated: false, mergedInto: null },
  { id: 'ind-ic', dimension: 'industry', label: '集成电路', synonyms: [], parent: 'ind-manufacturing', deprecated: false, mergedInto: null },
];

const taxonomy = new Taxonomy({ dimensions: [], tags: [...TEST_TAXONOMY_TAGS, ...EXTRA_TAGS] });

function policy({
  criteria = {},
  tags = [],
  title = '浦东新区知识产权质押融资贴息办法',
  body = '对以专利权出质取得贷款的企业给予贴息。',
}: {
  criteria?: Partial<Record<string, string[]>>;
  tags?: string[];
  title?: string;
  body?: string;
} = {}): AudiencePolicy {
  return buildAudiencePolicy({ taxonomy, criteria, tags, level: 'level-district', title, body });
}

function profile({ id = 'ent-1', attributes = {}, reachable = ['email', 'wechat'] }: Partial<{ id: string; attributes: MatchProfile['attributes']; reachable: MatchProfile['reachable'] }> = {}): MatchProfile {
  const expanded: MatchProfile['attributes'] = {};
  for (const [dimension, ids] of Object.entries(attributes) as [keyof MatchProfile['attributes'], string[]][]) {
    expanded[dimension] = [...new Set(ids.flatMap((tag) => taxonomy.withAncestors(tag)))];
  }
  return { subscriberId: id, attributes: expanded, reachable };
}

function subscription(overrides: Partial<MatchSubscription> & { keywordText?: string[] } = {}): MatchSubscription {
  const { keywordText = [], ...rest } = overrides;
  return {
    id: 'sub-1',
    criteria: {},
    keywords: keywordText,
    keywordTerms: keywordText.map((keyword) => [...segmentQuery(keyword)]),
    channels: ['email'],
    frequency: 'immediate',
    eligibleOnly: true,
    ...rest,
  };
}

describe('match semantics', function () {
  describe('interest: criteria modes', function () {
    it('`any` needs one of the tags among the policy tags', function () {
      const sub = subscription({ criteria: { need: { mode: 'any', tags: ['need-pledge', 'need-patent-funding'] } } });
      const hit = checkInterest({ policy: policy({ tags: ['need-pledge'] }), subscription: sub });
      expect(hit?.matchedTags).to.deep.equal({ need: ['need-pledge'] });
      expect(checkInterest({ policy: policy({ tags: ['qual-srdi'] }), subscription: sub })).to.equal(null);
    });

    it('`all` needs every tag among the policy tags', function () {
      const sub = subscription({ criteria: { need: { mode: 'all', tags: ['need-pledge', 'need-patent-funding'] } } });
      expect(checkInterest({ policy: policy({ tags: ['need-pledge'] }), subscription: sub })).to.equal(null);
      const hit = checkInterest({ policy: policy({ tags: ['need-pledge', 'need-patent-funding'] }), subscription: sub });
      expect(hit?.matchedTags).to.deep.equal({ need: ['need-pledge', 'need-patent-funding'] });
    });

    it('needs every criteria dimension to hold', function () {
      const sub = subscription({
        criteria: { need: { mode: 'any', tags: ['need-pledge'] }, ip_type: { mode: 'any', tags: ['ipt-trademark'] } },
      });
      expect(checkInterest({ policy: policy({ tags: ['need-pledge', 'ipt-patent'] }), subscription: sub })).to.equal(null);
      expect(checkInterest({ policy: policy({ tags: ['need-pledge', 'ipt-trademark'] }), subscription: sub })).to.not.equal(null);
    });
  });

  describe('interest: hierarchy', function () {
    it('a subscription to a parent tag catches a policy tagged with its child', function () {
      const sub = subscription({ criteria: { need: { mode: 'any', tags: ['need-funding'] } } });
      const hit = checkInterest({ policy: policy({ tags: ['need-patent-funding'] }), subscription: sub });
      expect(hit?.matchedTags).to.deep.equal({ need: ['need-funding'] });
    });

    it('a subscription to a child tag does not catch a policy tagged only with the parent', function () {
      const sub = subscription({ criteria: { need: { mode: 'any', tags: ['need-patent-funding'] } } });
      expect(checkInterest({ policy: policy({ tags: ['need-funding'] }), subscription: sub })).to.equal(null);
    });

    it('a policy criterion counts as a policy tag for subscriptions', function () {
      const sub = subscription({ criteria: { region: { mode: 'any', tags: ['region-shanghai'] } } });
      expect(checkInterest({ policy: policy({ criteria: { region: ['region-zhangjiang'] } }), subscription: sub })).to.not.equal(null);
    });
  });

  describe('eligibility', function () {
    it('an enterprise in a child region is eligible for a policy on the parent region', function () {
      const result = checkEligibility({
        policy: policy({ criteria: { region: ['region-pudong'] } }),
        profile: profile({ attributes: { region: ['region-zhangjiang'] } }),
      });
      expect(result).to.deep.equal({ eligible: true, eligibility: { region: ['region-pudong'] }, unknown: [] });
    });

    it('an enterprise in the parent region is not eligible for a policy on a child region', function () {
      const result = checkEligibility({
        policy: policy({ criteria: { region: ['region-zhangjiang'] } }),
        profile: profile({ attributes: { region: ['region-pudong'] } }),
      });
      expect(result.eligible).to.equal(false);
    });

    it('an unstated dimension is unknown (待确认), not excluded', function () {
      const pledge = policy({ criteria: { region: ['region-pudong'], qualification: ['qual-high-tech'] }, tags: ['need-pledge'] });
      const enterprise = profile({ attributes: { region: ['region-zhangjiang'] } });
      expect(checkEligibility({ policy: pledge, profile: enterprise })).to.deep.equal({
        eligible: true,
        eligibility: { region: ['region-pudong'] },
        unknown: ['qualification'],
      });
      const sub = subscription({ criteria: { need: { mode: 'any', tags: ['need-pledge'] } } });
      const match = matchSubscriber({ policy: pledge, profile: enterprise, subscriptions: [sub] });
      expect(match?.eligible).to.equal(true);
      expect(match?.unknown).to.deep.equal(['qualification']);
    });

    it('a stated dimension without the criteria excludes, and an empty list states "none"', function () {
      const highTech = policy({ criteria: { qualification: ['qual-high-tech'] }, tags: ['need-pledge'] });
      const sub = subscription({ criteria: { need: { mode: 'any', tags: ['need-pledge'] } } });
      for (const qualification of [['qual-srdi'], []]) {
        const enterprise = profile({ attributes: { qualification } });
        expect(checkEligibility({ policy: highTech, profile: enterprise }).eligible).to.equal(false);
        expect(matchSubscriber({ policy: highTech, profile: enterprise, subscriptions: [sub] })).to.equal(null);
      }
    });

    it('criteria on policy-only dimensions do not constrain subscribers', function () {
      const result = checkEligibility({ policy: policy({ criteria: { ip_type: ['ipt-patent'] } }), profile: profile() });
      expect(result).to.deep.equal({ eligible: true, eligibility: {}, unknown: [] });
    });
  });

  describe('keywords', function () {
    it('match a Traditional policy text with a Simplified keyword', function () {
      const traditional = policy({
        title: '關於推進知識產權質押融資的通知',
        body: '對以專利權出質取得貸款的企業，按照實際支付利息的百分之五十給予貼息。',
      });
      const sub = subscription({ keywordText: ['知识产权质押融资', '商业秘密'] });
      expect(checkInterest({ policy: traditional, subscription: sub })?.matchedKeywords).to.deep.equal(['知识产权质押融资']);
    });

    it('match a compound through its parts when the text was segmented differently', function () {
      const split = policy({ title: '关于知识产权运用的通知', body: '鼓励企业以专利开展质押，拓宽融资渠道。' });
      expect(checkInterest({ policy: split, subscription: subscription({ keywordText: ['知识产权质押融资'] }) })).to.not.equal(null);
    });

    it('need every word of a keyword, and any one keyword', function () {
      const pledge = policy();
      expect(checkInterest({ policy: pledge, subscription: subscription({ keywordText: ['贴息 商标'] }) })).to.equal(null);
      expect(checkInterest({ policy: pledge, subscription: subscription({ keywordText: ['贴息 专利权', '商标'] }) })?.matchedKeywords).to.deep.equal([
        '贴息 专利权',
      ]);
    });

    it('with criteria, need both the criteria and a keyword', function () {
      const criteria = { need: { mode: 'any' as const, tags: ['need-pledge'] } };
      const pledge = policy({ tags: ['need-pledge'] });
      expect(checkInterest({ policy: pledge, subscription: subscription({ criteria, keywordText: ['商标'] }) })).to.equal(null);
      expect(checkInterest({ policy: pledge, subscription: subscription({ criteria, keywordText: ['贴息'] }) })).to.not.equal(null);
      expect(checkInterest({ policy: policy(), subscription: subscription({ criteria, keywordText: ['贴息'] }) })).to.equal(null);
    });

    it('a subscription with neither criteria nor keywords never matches', function () {
      expect(checkInterest({ policy: policy({ tags: ['need-pledge'] }), subscription: subscription() })).to.equal(null);
      expect(checkInterest({ policy: policy(), subscription: subscription({ keywordText: ['！？'] }) })).to.equal(null);
    });
  });

  describe('one match per subscriber', function () {
    const excluded = profile({ attributes: { region: ['region-xuhui'] }, reachable: ['email', 'wechat'] });
    const pudongPledge = policy({ criteria: { region: ['region-pudong'] }, tags: ['need-pledge', 'ipt-patent'] });

    it('reaches an excluded subscriber through a subscription with eligibility off, marked not eligible', function () {
      const strict = subscription({ id: 'sub-strict', criteria: { need: { mode: 'any', tags: ['need-pledge'] } }, channels: ['email'] });
      const loose = subscription({ id: 'sub-loose', criteria: { ip_type: { mode: 'any', tags: ['ipt-patent'] } }, channels: ['wechat'], eligibleOnly: false });
      expect(matchSubscriber({ policy: pudongPledge, profile: excluded, subscriptions: [strict] })).to.equal(null);
      const match = matchSubscriber({ policy: pudongPledge, profile: excluded, subscriptions: [strict, loose] });
      expect(match?.eligible).to.equal(false);
      expect(match?.subscriptions.map((hit) => hit.subscriptionId)).to.deep.equal(['sub-loose']);
      expect(match?.channels).to.deep.equal(['wechat']);
    });

    it('lists every matching subscription once, by id, with their channels merged', function () {
      const enterprise = profile({ attributes: { region: ['region-zhangjiang'] } });
      const subscriptions = [
        subscription({ id: 'sub-b', criteria: { need: { mode: 'any', tags: ['need-pledge'] } }, channels: ['wechat'], frequency: 'daily' }),
        subscription({ id: 'sub-a', keywordText: ['贴息'], channels: ['email'] }),
        subscription({ id: 'sub-c', keywordText: ['商标'], channels: ['email'] }),
      ];
      const match = matchSubscriber({ policy: pudongPledge, profile: enterprise, subscriptions });
      expect(match).to.deep.equal({
        subscriberId: 'ent-1',
        eligible: true,
        eligibility: { region: ['region-pudong'] },
        unknown: [],
        subscriptions: [
          { subscriptionId: 'sub-a', channels: ['email'], frequency: 'immediate', matchedTags: {}, matchedKeywords: ['贴息'] },
          { subscriptionId: 'sub-b', channels: ['wechat'], frequency: 'daily', matchedTags: { need: ['need-pledge'] }, matchedKeywords: [] },
        ],
        channels: ['email', 'wechat'],
      });
    });

    it('drops channels the subscriber cannot be reached on, and still matches with none', function () {
      const sub = subscription({ criteria: { need: { mode: 'any', tags: ['need-pledge'] } }, channels: ['email', 'wechat'] });
      const wechatOnly = profile({ attributes: { region: ['region-pudong'] }, reachable: ['wechat'] });
      expect(matchSubscriber({ policy: pudongPledge, profile: wechatOnly, subscriptions: [sub] })?.channels).to.deep.equal(['wechat']);
      const unreachable = profile({ attributes: { region: ['region-pudong'] }, reachable: [] });
      expect(matchSubscriber({ policy: pudongPledge, profile: unreachable, subscriptions: [sub] })?.channels).to.deep.equal([]);
    });

    it('summarises the evaluated audience: unreachable subscribers count, but on no channel', function () {
      const profiles = [
        profile({ id: 'a', attributes: { region: ['region-zhangjiang'] }, reachable: ['email'] }),
        profile({ id: 'b', reachable: [] }),
        profile({ id: 'c', attributes: { region: ['region-xuhui'] } }),
      ];
      const sub = subscription({ criteria: { need: { mode: 'any', tags: ['need-pledge'] } }, channels: ['email', 'wechat'] });
      const matches = evaluateAudience({ policy: pudongPledge, profiles, subscriptionsOf: () => [sub] });
      const summary = summarizeAudience({ policy: pudongPledge, matches, sampleSize: 1 });
      expect(summary.subscribers).to.equal(2);
      expect(summary.byChannel).to.deep.equal({ email: 1, wechat: 0, wechat_oa: 0, wecom_robot: 0 });
      expect(summary.unknownByDimension).to.deep.equal({ region: 1 });
      expect(summary.breakdown).to.deep.equal({ region: { 'region-zhangjiang': 1, 'region-pudong': 1, 'region-shanghai': 1 } });
      expect(summary.sample.map((match) => match.subscriberId)).to.deep.equal(['a']);
    });

    it('counts an unstated dimension as 待确认 only for eligible members', function () {
      const strictPolicy = policy({ criteria: { region: ['region-pudong'], qualification: ['qual-high-tech'] }, tags: ['need-pledge'] });
      const profiles = [
        profile({ id: 'pending', attributes: { region: ['region-zhangjiang'] } }),
        profile({ id: 'excluded', attributes: { region: ['region-xuhui'] } }),
      ];
      const loose = subscription({ criteria: { need: { mode: 'any', tags: ['need-pledge'] } }, eligibleOnly: false });
      const matches = evaluateAudience({ policy: strictPolicy, profiles, subscriptionsOf: () => [loose] });
      expect(matches.map(({ match }) => [match.subscriberId, match.eligible, match.unknown])).to.deep.equal([
        ['pending', true, ['qualification']],
        ['excluded', false, ['qualification']],
      ]);
      expect(summarizeAudience({ policy: strictPolicy, matches, sampleSize: 0 }).unknownByDimension).to.deep.equal({ region: 0, qualification: 1 });
    });
  });

  describe('building documents', function () {
    const now = '2026-03-01T10:00:00+08:00';

    it('expands profile attributes, keeps unstated dimensions out and reaches only usable contacts', function () {
      const subscriber: Subscriber = {
        id: 'ent-9',
        kind: 'enterprise',
        name: '上海某某科技有限公司',
        creditCode: null,
        profile: { region: ['region-zhangjiang'], qualification: [] },
        parkId: null,
        contacts: [
          { id: 'c1', channel: 'email', address: 'a@example.com', label: null, confirmedAt: null, invalidAt: null },
          { id: 'c2', channel: 'wechat', address: 'wx-a', label: null, confirmedAt: null, invalidAt: null },
        ],
        createdAt: now,
        updatedAt: now,
        revision: 1,
      };
      const doc = buildProfileDoc({ subscriber, taxonomy });
      expect(doc.attributes).to.deep.equal({ region: ['region-zhangjiang', 'region-pudong', 'region-shanghai'], qualification: [] });
      expect(doc.reachable).to.deep.equal(['wechat']);
      const confirmed = buildProfileDoc({
        subscriber: {
          ...subscriber,
          contacts: [
            { id: 'c1', channel: 'email', address: 'a@example.com', label: null, confirmedAt: now, invalidAt: null },
            { id: 'c2', channel: 'wechat', address: 'wx-a', label: null, confirmedAt: null, invalidAt: now },
          ],
        },
        taxonomy,
      });
      expect(confirmed.reachable).to.deep.equal(['email']);
    });

    it('segments subscription keywords and expands policy tags', function () {
      const stored: Subscription = {
        id: 'sub-9',
        subscriberId: 'ent-9',
        name: '融资',
        criteria: { need: { mode: 'any', tags: ['need-patent-funding'] } },
        keywords: ['知識產權質押融資'],
        channels: ['email'],
        frequency: 'weekly',
        eligibleOnly: false,
        createdAt: now,
        endedAt: null,
        endReason: null,
        replaces: null,
      };
      const doc = buildSubscriptionDoc({ subscription: stored });
      if (!doc) throw new Error("a live subscription builds a document");
      expect(doc.keywordTerms).to.deep.equal([['知识产权质押融资']]);
      expect(doc.criteria).to.deep.equal(stored.criteria);
      const built = policy({ criteria: { region: ['region-zhangjiang'], qualification: [] }, tags: ['need-patent-funding'] });
      expect(built.criteria).to.deep.equal({ region: ['region-zhangjiang'] });
      expect(built.tags).to.deep.equal({
        region: ['region-zhangjiang', 'region-pudong', 'region-shanghai'],
        need: ['need-patent-funding', 'need-funding'],
        issuer_level: ['level-district'],
      });
    });
  });
});
