import { expect } from 'chai';
import { PROFILE_DIMENSIONS, type Channel, type ProfileDimension } from '../../schemas/subscriber.schema.js';
import type { Criterion, Frequency } from '../../schemas/subscription.schema.js';
import type { DimensionId, TaxonomyData } from '../../schemas/taxonomy.schema.js';
import {
  CHANNELS,
  buildAudiencePolicy,
  emptyChannelCounts,
  evaluateAudience,
  matchSubscriber,
  summarizeAudience,
  type ProfileMatch,
} from '../../server/matching/match-semantics.js';
import type { AudienceIndex, AudienceMatch, AudiencePolicy, ProfileDoc, SubscriptionDoc } from '../../server/ports/audience-index.port.js';
import { Taxonomy } from '../../server/services/taxonomy.js';
import { segmentQuery } from '../../server/text/segmenter.js';

// ---------------------------------------------------------------------------------------------
// A synthetic taxonomy with hierarchies in most dimensions

function tagsOf({ dimension, tree }: { dimension: DimensionId; tree: Record<string, string[]> }): TaxonomyData['tags'] {
  const out: TaxonomyData['tags'] = [];
  for (const [parent, children] of Object.entries(tree)) {
    out.push({ id: parent, dimension, label: parent, synonyms: [], parent: null, deprecated: false, mergedInto: null });
    for (const child of children) out.push({ id: child, dimension, label: child, synonyms: [], parent, deprecated: false, mergedInto: null });
  }
  return out;
}

const REGION_TAGS: TaxonomyData['tags'] = [
  { id: 'r-sh', dimension: 'region', label: '上海市', synonyms: [], parent: null, deprecated: false, mergedInto: null },
  ...['pd', 'xh', 'mh', 'jd'].flatMap((district) => [
    { id: `r-${district}`, dimension: 'region' as const, label: district, synonyms: [], parent: 'r-sh', deprecated: false, mergedInto: null },
    { id: `r-${district}-park1`, dimension: 'region' as const, label: `${district}1`, synonyms: [], parent: `r-${district}`, deprecated: false, mergedInto: null },
    { id: `r-${district}-park2`, dimension: 'region' as const, label: `${district}2`, synonyms: [], parent: `r-${district}`, deprecated: false, mergedInto: null },
  ]),
];

const CONTRACT_TAGS: TaxonomyData['tags'] = [
  ...REGION_TAGS,
  ...tagsOf({ dimension: 'industry', tree: { 'i-mfg': ['i-ic', 'i-bio', 'i-auto'], 'i-it': ['i-soft', 'i-ai'] } }),
  ...tagsOf({ dimension: 'size', tree: { 's-large': [], 's-medium': [], 's-small': [], 's-micro': [] } }),
  ...tagsOf({ dimension: 'qualification', tree: { 'q-hnte': [], 'q-srdi': ['q-giant'], 'q-tsme': [] } }),
  ...tagsOf({ dimension: 'stage', tree: { 'st-start': [], 'st-grow': [], 'st-mature': [] } }),
  ...tagsOf({ dimension: 'subject_type', tree: { 'sub-ent': ['sub-foreign'], 'sub-univ': [] } }),
  ...tagsOf({ dimension: 'need', tree: { 'n-fund': ['n-patent', 'n-tax'], 'n-finance': ['n-pledge', 'n-insure'], 'n-protect': [] } }),
  ...tagsOf({ dimension: 'ip_type', tree: { 'ip-patent': [], 'ip-mark': [], 'ip-copy': [] } }),
  ...tagsOf({ dimension: 'policy_type', tree: { 'pt-subsidy': [], 'pt-notice': [] } }),
];

const SENTENCES = [
  '对获得发明专利授权的企业给予专利资助',
  '支持企业以知识产权开展质押，拓宽融资渠道',
  '知识产权质押融资贴息比例为百分之五十',
  '對高新技術企業給予一次性獎勵',
  '鼓励企业开展商标品牌建设',
  '数据知识产权登记证书可用于交易',
  '申报材料包括营业执照复印件',
];

const KEYWORDS = ['专利资助', '知识产权质押融资', '贴息', '高新技术企业', '商标 品牌', '数据知识产权', '营业执照', '量子通信', '！？'];

// ---------------------------------------------------------------------------------------------
// Seeded population

function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Picker {
  private readonly random: () => number;

  constructor(seed: number) {
    this.random = seededRandom(seed);
  }

  chance(probability: number): boolean {
    return this.random() < probability;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  one<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.random() * items.length)];
    if (item === undefined) throw new Error('cannot pick from an empty list');
    return item;
  }

  some<T>(items: readonly T[], count: number): T[] {
    const chosen = new Set<T>();
    while (chosen.size < Math.min(count, items.length)) chosen.add(this.one(items));
    return [...chosen];
  }
}

const CONTRACT_TAXONOMY = new Taxonomy({ dimensions: [], tags: CONTRACT_TAGS });
const TAGS_BY_DIMENSION = new Map<DimensionId, string[]>();
for (const tag of CONTRACT_TAGS) TAGS_BY_DIMENSION.set(tag.dimension, [...(TAGS_BY_DIMENSION.get(tag.dimension) ?? []), tag.id]);
const SUBSCRIBABLE: DimensionId[] = ['industry', 'region', 'qualification', 'need', 'need', 'need', 'ip_type', 'policy_type', 'size'];
const FREQUENCIES: Frequency[] = ['immediate', 'daily', 'weekly'];

function tagsIn(dimension: DimensionId): string[] {
  return TAGS_BY_DIMENSION.get(dimension) ?? [];
}

function expanded(ids: string[]): string[] {
  return [...new Set(ids.flatMap((id) => CONTRACT_TAXONOMY.withAncestors(id)))];
}

/** Around 15% of dimensions left out (unknown) and 5% stated as none. */
function randomProfile({ pick, subscriberId }: { pick: Picker; subscriberId: string }): ProfileDoc {
  const attributes: ProfileDoc['attributes'] = {};
  for (const dimension of PROFILE_DIMENSIONS) {
    if (pick.chance(0.15)) continue;
    attributes[dimension] = pick.chance(0.06) ? [] : expanded(pick.some(tagsIn(dimension), pick.int(1, 2)));
  }
  return {
    subscriberId,
    kind: 'enterprise',
    parkId: null,
    attributes,
    reachable: CHANNELS.filter(() => pick.chance(0.6)),
  };
}

function randomCriteria(pick: Picker): SubscriptionDoc['criteria'] {
  const criteria: SubscriptionDoc['criteria'] = {};
  for (const dimension of pick.some(SUBSCRIBABLE, pick.int(1, 2))) {
    const mode: Criterion['mode'] = pick.chance(0.25) ? 'all' : 'any';
    criteria[dimension] = { mode, tags: pick.some(tagsIn(dimension), pick.int(1, mode === 'all' ? 2 : 3)) };
  }
  return criteria;
}

function randomSubscription({ pick, id, subscriberId }: { pick: Picker; id: string; subscriberId: string }): SubscriptionDoc {
  const roll = pick.int(1, 100);
  const criteria = roll <= 80 ? randomCriteria(pick) : {};
  // Keyword-only above 80; a few with both; a sliver with neither, which must never match.
  const keywords = roll > 80 && roll <= 98 ? pick.some(KEYWORDS, pick.int(1, 2)) : roll <= 15 ? pick.some(KEYWORDS, 1) : [];
  return {
    id,
    subscriberId,
    criteria,
    keywords,
    keywordTerms: keywords.map((keyword) => [...segmentQuery(keyword)]),
    channels: pick.chance(0.2) ? [...CHANNELS] : [pick.one(CHANNELS)],
    frequency: pick.one(FREQUENCIES),
    eligibleOnly: pick.chance(0.8),
  };
}

function randomPolicy(pick: Picker): AudiencePolicy {
  const criteria: Partial<Record<DimensionId, string[]>> = {};
  for (const dimension of pick.some<DimensionId>(['region', 'region', 'qualification', 'size', 'industry', 'stage', 'subject_type', 'ip_type'], pick.int(0, 3))) {
    criteria[dimension] = pick.some(tagsIn(dimension), pick.int(1, 2));
  }
  const tags = pick.some(
    [...tagsIn('need'), ...tagsIn('ip_type'), ...tagsIn('policy_type'), ...tagsIn('industry')],
    pick.int(0, 4),
  );
  const sentences = pick.some(SENTENCES, pick.int(1, 3));
  return buildAudiencePolicy({
    taxonomy: CONTRACT_TAXONOMY,
    criteria,
    tags,
    level: null,
    title: sentences[0] ?? '',
    body: sentences.slice(1).join('。'),
  });
}

interface Population {
  profiles: Map<string, ProfileDoc>;
  subscriptions: Map<string, SubscriptionDoc>;
}

/** Profiles in insertion order; a few subscriptions belong to subscribers without a profile. */
function randomPopulation({ seed, profiles: count }: { seed: number; profiles: number }): Population {
  const pick = new Picker(seed);
  const profiles = new Map<string, ProfileDoc>();
  const subscriptions = new Map<string, SubscriptionDoc>();
  for (let i = 0; i < count; i++) {
    const subscriberId = `ent-${i}`;
    profiles.set(subscriberId, randomProfile({ pick, subscriberId }));
    const owned = pick.int(0, 100) < 20 ? 0 : pick.int(1, 3);
    for (let j = 0; j < owned; j++) {
      const id = `sub-${i}-${j}`;
      subscriptions.set(id, randomSubscription({ pick, id, subscriberId }));
    }
  }
  for (let i = 0; i < count / 50; i++) {
    const id = `sub-orphan-${i}`;
    subscriptions.set(id, randomSubscription({ pick, id, subscriberId: `ghost-${i}` }));
  }
  return { profiles, subscriptions };
}

function reference({ population, policy }: { population: Population; policy: AudiencePolicy }): ProfileMatch[] {
  const bySubscriber = new Map<string, SubscriptionDoc[]>();
  for (const subscription of population.subscriptions.values()) {
    bySubscriber.set(subscription.subscriberId, [...(bySubscriber.get(subscription.subscriberId) ?? []), subscription]);
  }
  return evaluateAudience({ policy, profiles: population.profiles.values(), subscriptionsOf: (id) => bySubscriber.get(id) ?? [] });
}

async function allMatches({ index, policy, batchSize }: { index: AudienceIndex; policy: AudiencePolicy; batchSize: number }): Promise<AudienceMatch[][]> {
  const batches: AudienceMatch[][] = [];
  for await (const batch of index.audienceBatches({ policy, batchSize })) batches.push(batch);
  return batches;
}

function bySubscriberId(matches: AudienceMatch[]): AudienceMatch[] {
  return [...matches].sort((a, b) => (a.subscriberId < b.subscriberId ? -1 : a.subscriberId > b.subscriberId ? 1 : 0));
}

async function load({ index, population }: { index: AudienceIndex; population: Population }): Promise<void> {
  const profiles = [...population.profiles.values()];
  const subscriptions = [...population.subscriptions.values()];
  // Subscriptions partly before their profiles, as a sync that follows changes may deliver them.
  await index.upsertSubscriptions(subscriptions.slice(0, subscriptions.length / 3));
  for (let at = 0; at < profiles.length; at += 500) await index.upsertProfiles(profiles.slice(at, at + 500));
  await index.upsertSubscriptions(subscriptions.slice(subscriptions.length / 3));
}

/** Engine answers against the reference evaluation: the whole audience and the summary. */
async function expectSameAsReference({ index, population, policy, label }: { index: AudienceIndex; population: Population; policy: AudiencePolicy; label: string }): Promise<number> {
  const expected = reference({ population, policy });
  const batches = await allMatches({ index, policy, batchSize: 257 });
  const actual = batches.flat();
  expect(bySubscriberId(actual), `${label}: audience`).to.deep.equal(bySubscriberId(expected.map(({ match }) => match)));
  const summary = await index.audienceSummary({ policy, sampleSize: 7 });
  const { sample: expectedSample, ...expectedCounts } = summarizeAudience({ policy, matches: expected, sampleSize: 7 });
  const { sample, ...counts } = summary;
  expect(counts, `${label}: summary`).to.deep.equal(expectedCounts);
  expect(sample, `${label}: sample is the start of the batches`).to.deep.equal(actual.slice(0, 7));
  expect(sample.length).to.equal(expectedSample.length);
  return expected.length;
}

export function audienceIndexContract<T extends AudienceIndex>({
  name,
  create,
  close,
}: {
  name: string;
  /** A ready, possibly non-empty adapter; the suite clears it first. */
  create: () => Promise<T>;
  close?: (index: T) => Promise<void>;
}): void {
  describe(`AudienceIndex contract: ${name}`, function () {
    // Built once: jieba segmentation of keywords and policies is the slow part.
    const population = randomPopulation({ seed: 20260301, profiles: 3000 });
    const policyPick = new Picker(77);
    const policies = Array.from({ length: 60 }, () => randomPolicy(policyPick));
    let index: T;

    beforeEach(async function () {
      index = await create();
      await index.clearAudience();
      await load({ index, population });
    });

    afterEach(async function () {
      await close?.(index);
    });

    it('gives exactly the reference answers on a random population, for many policies', async function () {
      this.timeout(60_000);
      let nonEmpty = 0;
      let total = 0;
      for (const [i, policy] of policies.entries()) {
        const size = await expectSameAsReference({ index, population, policy, label: `policy ${i}` });
        if (size > 0) nonEmpty += 1;
        total += size;
      }
      // The population must exercise the engine: most policies reach someone, none reaches everyone.
      expect(nonEmpty).to.be.greaterThan(policies.length / 2);
      expect(total / policies.length).to.be.lessThan(population.profiles.size);
    });

    it('reflects profile and subscription updates and removals', async function () {
      this.timeout(60_000);
      const pick = new Picker(99);
      const mutated: Population = { profiles: new Map(population.profiles), subscriptions: new Map(population.subscriptions) };
      const profileIds = [...mutated.profiles.keys()];
      const subscriptionIds = [...mutated.subscriptions.keys()];
      const removedProfiles = pick.some(profileIds, 300);
      const removedSubscriptions = pick.some(subscriptionIds, 300);
      for (const id of removedProfiles) mutated.profiles.delete(id);
      for (const id of removedSubscriptions) mutated.subscriptions.delete(id);
      await index.removeProfiles([...removedProfiles, 'never-existed']);
      await index.removeSubscriptions([...removedSubscriptions, 'never-existed']);

      const changedProfiles = pick.some([...mutated.profiles.keys()], 300).map((subscriberId) => randomProfile({ pick, subscriberId }));
      // New subscribers reuse the freed ordinals.
      const newProfiles = Array.from({ length: 200 }, (_, i) => randomProfile({ pick, subscriberId: `new-${i}` }));
      const liveSubscribers = [...changedProfiles, ...newProfiles].map((profile) => profile.subscriberId);
      const changedSubscriptions = pick
        .some([...mutated.subscriptions.keys()], 300)
        // Some move to another subscriber, the rest change their criteria and keywords.
        .map((id) => randomSubscription({ pick, id, subscriberId: pick.chance(0.3) ? pick.one(liveSubscribers) : (mutated.subscriptions.get(id)?.subscriberId ?? '') }));
      const newSubscriptions = newProfiles.map((profile, i) => randomSubscription({ pick, id: `new-sub-${i}`, subscriberId: profile.subscriberId }));
      for (const profile of [...changedProfiles, ...newProfiles]) mutated.profiles.set(profile.subscriberId, profile);
      for (const subscription of [...changedSubscriptions, ...newSubscriptions]) mutated.subscriptions.set(subscription.id, subscription);
      await index.upsertProfiles([...changedProfiles, ...newProfiles]);
      await index.upsertSubscriptions([...changedSubscriptions, ...newSubscriptions]);

      for (const [i, policy] of policies.slice(0, 25).entries()) {
        await expectSameAsReference({ index, population: mutated, policy, label: `after changes, policy ${i}` });
      }
    });

    it('answers a subscriber feed like the reference, policy by policy', async function () {
      const pick = new Picker(5);
      const keyed = policies.slice(0, 12).map((policy, i) => ({ key: `p${i}`, policy }));
      for (const subscriberId of [...pick.some([...population.profiles.keys()], 40), 'ghost-1', 'nobody']) {
        const profile = population.profiles.get(subscriberId);
        const subscriptions = [...population.subscriptions.values()].filter((subscription) => subscription.subscriberId === subscriberId);
        const expected = profile
          ? keyed.flatMap(({ key, policy }) => {
              const match = matchSubscriber({ policy, profile, subscriptions });
              return match ? [{ key, match }] : [];
            })
          : [];
        expect(await index.matchSubscriber({ subscriberId, policies: keyed }), subscriberId).to.deep.equal(expected);
      }
    });

    it('yields stable, complete batches of the requested size', async function () {
      const policy = policies.map((candidate) => ({ candidate, size: reference({ population, policy: candidate }).length })).sort((a, b) => b.size - a.size)[0];
      if (!policy) throw new Error('no policies');
      const first = await allMatches({ index, policy: policy.candidate, batchSize: 100 });
      const second = await allMatches({ index, policy: policy.candidate, batchSize: 100 });
      expect(second).to.deep.equal(first);
      expect(first.slice(0, -1).every((batch) => batch.length === 100)).to.equal(true);
      expect((first.at(-1)?.length ?? 0) > 0 && (first.at(-1)?.length ?? 0) <= 100).to.equal(true);
      const ids = first.flat().map((match) => match.subscriberId);
      expect(new Set(ids).size).to.equal(ids.length);
      expect(ids.length).to.equal(policy.size);
      const single = await allMatches({ index, policy: policy.candidate, batchSize: 1_000_000 });
      expect(single).to.have.length(1);
      expect(single[0]).to.deep.equal(first.flat());
    });

    it('reports summary counts consistent with the batches', async function () {
      for (const policy of policies.slice(0, 20)) {
        const matches = (await allMatches({ index, policy, batchSize: 500 })).flat();
        const summary = await index.audienceSummary({ policy, sampleSize: 3 });
        expect(summary.subscribers).to.equal(matches.length);
        const byChannel = emptyChannelCounts();
        for (const match of matches) for (const channel of match.channels) byChannel[channel] += 1;
        expect(summary.byChannel).to.deep.equal(byChannel);
        for (const [dimension, count] of Object.entries(summary.unknownByDimension) as [ProfileDimension, number][]) {
          expect(count).to.equal(matches.filter((match) => match.eligible && match.unknown.includes(dimension)).length);
        }
        expect(summary.sample).to.deep.equal(matches.slice(0, 3));
        expect((await index.audienceSummary({ policy, sampleSize: 0 })).sample).to.deep.equal([]);
      }
    });

    it('counts subscribers with no reachable channel, on no channel', async function () {
      await index.clearAudience();
      const policy = buildAudiencePolicy({ taxonomy: CONTRACT_TAXONOMY, criteria: { region: ['r-pd'] }, tags: ['n-patent'], level: null, title: '专利资助', body: '' });
      const profile = (subscriberId: string, reachable: Channel[]): ProfileDoc => ({
        subscriberId,
        kind: 'enterprise',
        parkId: null,
        attributes: { region: expanded(['r-pd-park1']) },
        reachable,
      });
      const subscription = (subscriberId: string): SubscriptionDoc => ({
        id: `s-${subscriberId}`,
        subscriberId,
        criteria: { need: { mode: 'any', tags: ['n-fund'] } },
        keywords: [],
        keywordTerms: [],
        channels: ['email', 'wechat'],
        frequency: 'immediate',
        eligibleOnly: true,
      });
      await index.upsertProfiles([profile('a', ['email']), profile('b', []), profile('c', ['email', 'wechat'])]);
      await index.upsertSubscriptions(['a', 'b', 'c'].map(subscription));
      const summary = await index.audienceSummary({ policy, sampleSize: 10 });
      expect(summary.subscribers).to.equal(3);
      expect(summary.byChannel).to.deep.equal({ email: 2, wechat: 1, wechat_oa: 0, wecom_robot: 0 });
      expect(summary.sample.find((match) => match.subscriberId === 'b')?.channels).to.deep.equal([]);
      expect(summary.breakdown.region).to.deep.equal({ 'r-sh': 3, 'r-pd': 3, 'r-pd-park1': 3 });
    });

    it('lets later copies win within one upsert', async function () {
      await index.clearAudience();
      const policy = buildAudiencePolicy({ taxonomy: CONTRACT_TAXONOMY, criteria: {}, tags: ['n-pledge'], level: null, title: '质押', body: '' });
      const base: SubscriptionDoc = {
        id: 's1',
        subscriberId: 'a',
        criteria: { need: { mode: 'any', tags: ['n-tax'] } },
        keywords: [],
        keywordTerms: [],
        channels: ['email'],
        frequency: 'immediate',
        eligibleOnly: true,
      };
      await index.upsertProfiles([
        { subscriberId: 'a', kind: 'enterprise', parkId: null, attributes: {}, reachable: [] },
        { subscriberId: 'a', kind: 'enterprise', parkId: null, attributes: {}, reachable: ['email'] },
      ]);
      await index.upsertSubscriptions([base, { ...base, criteria: { need: { mode: 'any', tags: ['n-finance'] } } }]);
      const summary = await index.audienceSummary({ policy, sampleSize: 1 });
      expect(summary.subscribers).to.equal(1);
      expect(summary.byChannel.email).to.equal(1);
      expect(summary.sample[0]?.subscriptions[0]?.matchedTags).to.deep.equal({ need: ['n-finance'] });
    });

    it('keeps the watermark until clearAudience drops everything', async function () {
      await index.setAudienceWatermark(42);
      expect(await index.getAudienceWatermark()).to.equal(42);
      await index.clearAudience();
      expect(await index.getAudienceWatermark()).to.equal(0);
      for (const policy of policies.slice(0, 5)) {
        const summary = await index.audienceSummary({ policy, sampleSize: 5 });
        expect(summary.subscribers).to.equal(0);
        expect(summary.sample).to.deep.equal([]);
        expect(await allMatches({ index, policy, batchSize: 10 })).to.deep.equal([]);
      }
      expect(await index.matchSubscriber({ subscriberId: 'ent-1', policies: [{ key: 'p', policy: policies[0] ?? randomPolicy(new Picker(1)) }] })).to.deep.equal([]);
      await load({ index, population });
      await expectSameAsReference({ index, population, policy: policies[1] ?? randomPolicy(new Picker(2)), label: 'reloaded' });
    });
  });
}
