/**
 * Every change that affects matching, checked in every place derived from it: the audience preview
 * of a draft, the subscriber's own feed (also after a restart on the same data directory), the
 * outbox of a policy published after the change, and the reasons of the message composed from it.
 * Runs on the embedded engine and on the Elasticsearch adapter over the model cluster.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Delivery } from '../../schemas/delivery.schema.js';
import { syntheticCreditCode } from '../../server/subscribers/credit-code.js';
import { FakeElasticsearch } from '../support/fake-elasticsearch.js';
import { policyBody } from '../support/fixtures.js';
import { recordExemption } from '../support/interpretation.js';
import { startTestPlatform, TEST_ADMIN_TOKEN, type TestPlatform } from '../support/test-platform.js';

interface Enterprise {
  id: string;
  name: string;
  token: string;
  contactIds: string[];
}
interface Preview {
  subscribers: number;
  sample: { subscriberId: string; channels: string[]; reasons: string[] }[];
}
interface Feed {
  items: { policyId: string; reasons: string[] }[];
}

/** What one subscriber looks like in every derived place after the changes. */
interface Expected {
  inAudience: boolean;
  channels?: string[];
  /** Subscription names the reasons must name, and ones they must not. */
  names?: string[];
  notNames?: string[];
  frequency?: string;
}

function audienceFollowsChanges({ engine, env }: { engine: string; env: () => Record<string, string> }) {
  describe(`the audience follows every change (${engine})`, function () {
    this.timeout(60_000);
    let dataDir: string;
    let t: TestPlatform;
    let drafter: string;
    let reviewer: string;
    let legal: string;
    let creditIndex = 700;
    let docSeq = 0;
    const enterprises = new Map<string, Enterprise>();
    const subscriptionIds = new Map<string, string>();
    let basePolicy: string;
    let draftId: string;
    let freshPolicy = '';

    const start = async () => {
      t = await startTestPlatform({ dataDir, env: { MATCHER_INTERVAL_MS: '3600000', SCHEDULER_INTERVAL_MS: '3600000', PUSH_CHANNELS: '', ...env() } });
    };

    async function enterprise({ key, name, confirm = true }: { key: string; name: string; confirm?: boolean }): Promise<Enterprise> {
      creditIndex += 1;
      const res = await t.api<{ subscriber: { id: string; contacts: { id: string }[] }; token: string }>({
        method: 'POST',
        path: '/api/v1/subscribers',
        token: TEST_ADMIN_TOKEN,
        body: {
          kind: 'enterprise',
          name,
          creditCode: syntheticCreditCode(creditIndex),
          profile: { region: ['region-zhangjiang'], qualification: ['qual-high-tech'] },
          contacts: [{ channel: 'email', address: `e${creditIndex}@audience.example.cn` }],
        },
      });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      const contactIds = res.body.subscriber.contacts.map((c) => c.id);
      if (confirm) {
        for (const contactId of contactIds) {
          const token = t.platform.services.subscribers.confirmationToken({ contactId });
          expect((await t.api({ path: `/api/v1/contacts/confirm?token=${encodeURIComponent(token)}` })).status).to.equal(200);
        }
      }
      const created = { id: res.body.subscriber.id, name, token: res.body.token, contactIds };
      enterprises.set(key, created);
      return created;
    }

    async function subscribe({ key, name, body }: { key: string; name: string; body: Record<string, unknown> }): Promise<void> {
      const owner = enterprises.get(key);
      const res = await t.api<{ id: string }>({ method: 'POST', path: '/api/v1/me/subscriptions', token: owner?.token, body: { name, channels: ['email'], ...body } });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      subscriptionIds.set(`${key}:${name}`, res.body.id);
    }

    async function draft(): Promise<string> {
      docSeq += 1;
      const res = await t.api<{ id: string }>({
        method: 'POST',
        path: '/api/v1/policies',
        token: drafter,
        body: policyBody({ title: `浦东新区知识产权质押融资贴息办法（受众第${docSeq}批）`, docNumber: `浦知规〔2026〕${300 + docSeq}号` }),
      });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      return res.body.id;
    }

    async function publish(id: string): Promise<void> {
      await recordExemption({ t, id, token: drafter });
      await t.api({ method: 'POST', path: `/api/v1/policies/${id}/submit`, token: drafter });
      for (const kind of ['confidentiality', 'legality']) {
        await t.api({ method: 'POST', path: `/api/v1/policies/${id}/review`, token: kind === 'legality' ? legal : reviewer, body: { kind, decision: 'approved' } });
      }
      expect((await t.api({ method: 'POST', path: `/api/v1/policies/${id}/publish`, token: drafter })).status).to.equal(200);
      await t.platform.services.matching.runDueJobs({ batchSize: 3, leaseMs: 60_000 });
    }

    async function preview(): Promise<Preview> {
      const res = await t.api<Preview>({ path: `/api/v1/policies/${draftId}/audience?sample=100`, token: drafter });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      return res.body;
    }

    async function feedOf(key: string): Promise<Feed> {
      const res = await t.api<Feed>({ path: '/api/v1/me/feed', token: enterprises.get(key)?.token });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      return res.body;
    }

    async function outboxOf(policyId: string): Promise<Delivery[]> {
      return (await t.platform.services.store.outbox.listForPolicy({ policyId, limit: 500, offset: 0 })).items;
    }

    /** The real composer on the real outbox row: the text the subscriber would read. */
    async function composedText(delivery: Delivery): Promise<string> {
      const [composed] = await t.platform.services.push.composer.compose([{ source: 'delivery', delivery }]);
      expect(composed?.skip, JSON.stringify(composed?.skip)).to.equal(null);
      return composed?.email?.text ?? '';
    }

    async function checkPreviewAndFeed({ key, expected, label }: { key: string; expected: Expected; label: string }): Promise<void> {
      const owner = enterprises.get(key);
      if (!owner) throw new Error(`no enterprise ${key}`);
      const sample = (await preview()).sample.find((s) => s.subscriberId === owner.id);
      const feed = (await feedOf(key)).items.find((i) => i.policyId === basePolicy);
      expect(Boolean(sample), `${label}: ${owner.name} in the preview`).to.equal(expected.inAudience);
      expect(Boolean(feed), `${label}: ${owner.name} feed lists the policy`).to.equal(expected.inAudience);
      if (!sample || !feed) return;
      if (expected.channels) expect(sample.channels, `${label}: preview channels`).to.deep.equal(expected.channels);
      for (const reasons of [sample.reasons, feed.reasons]) {
        for (const name of expected.names ?? []) expect(reasons.join('\n'), `${label}: reasons name ${name}`).to.include(`“${name}”`);
        for (const name of expected.notNames ?? []) expect(reasons.join('\n'), `${label}: reasons do not name ${name}`).not.to.include(`“${name}”`);
      }
    }

    const expectations: Record<string, Expected> = {
      oneClick: { inAudience: false },
      ended: { inAudience: true, names: ['质押融资'], notNames: ['贴息政策'] },
      changed: { inAudience: false },
      frequency: { inAudience: true, names: ['质押融资'], frequency: 'weekly' },
      profile: { inAudience: false },
      bounced: { inAudience: true, channels: [] },
      unconfirmed: { inAudience: true, channels: [] },
      merged: { inAudience: true, names: ['专利资助订阅'] },
    };

    before(async function () {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-push-audience-'));
      await start();
      drafter = await t.user({ id: 'drafter-aud', role: 'drafter' });
      reviewer = await t.user({ id: 'reviewer-aud', role: 'reviewer' });
      legal = await t.user({ id: 'reviewer-aud-legal', role: 'reviewer' });
      await enterprise({ key: 'oneClick', name: '一键退订公司' });
      await subscribe({ key: 'oneClick', name: '质押融资', body: { criteria: { need: { mode: 'any', tags: ['need-pledge'] } } } });
      await enterprise({ key: 'ended', name: '账户退订公司' });
      await subscribe({ key: 'ended', name: '贴息政策', body: { keywords: ['贴息'] } });
      await subscribe({ key: 'ended', name: '质押融资', body: { criteria: { need: { mode: 'any', tags: ['need-pledge'] } } } });
      await enterprise({ key: 'changed', name: '修改订阅公司' });
      await subscribe({ key: 'changed', name: '质押融资', body: { criteria: { need: { mode: 'any', tags: ['need-pledge'] } } } });
      await enterprise({ key: 'frequency', name: '改频率公司' });
      await subscribe({ key: 'frequency', name: '质押融资', body: { criteria: { need: { mode: 'any', tags: ['need-pledge'] } } } });
      await enterprise({ key: 'profile', name: '资料变更公司' });
      await subscribe({ key: 'profile', name: '质押融资', body: { criteria: { need: { mode: 'any', tags: ['need-pledge'] } } } });
      await enterprise({ key: 'bounced', name: '退信公司' });
      await subscribe({ key: 'bounced', name: '质押融资', body: { criteria: { need: { mode: 'any', tags: ['need-pledge'] } } } });
      await enterprise({ key: 'unconfirmed', name: '换邮箱公司' });
      await subscribe({ key: 'unconfirmed', name: '质押融资', body: { criteria: { need: { mode: 'any', tags: ['need-pledge'] } } } });
      await enterprise({ key: 'merged', name: '标签合并公司' });
      await subscribe({ key: 'merged', name: '专利资助订阅', body: { criteria: { need: { mode: 'any', tags: ['need-patent-funding'] } } } });
      basePolicy = await draft();
      await publish(basePolicy);
      draftId = await draft();
    });

    after(async function () {
      await t.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('before any change every subscriber is matched as subscribed (the merge one only after the merge)', async function () {
      for (const key of Object.keys(expectations)) {
        const before: Expected = key === 'merged' ? { inAudience: false } : key === 'ended' ? { inAudience: true, names: ['质押融资', '贴息政策'] } : { inAudience: true, channels: ['email'] };
        await checkPreviewAndFeed({ key, expected: before, label: `before (${key})` });
      }
      const rows = await outboxOf(basePolicy);
      expect(rows.map((r) => r.subscriberId).sort()).to.deep.equal(
        ['oneClick', 'ended', 'changed', 'frequency', 'profile', 'bounced', 'unconfirmed'].map((k) => enterprises.get(k)?.id).sort(),
      );
    });

    it('applies each change the way a subscriber, the mail server or an administrator makes it', async function () {
      // One-click unsubscribe: the RFC 8058 POST to the link of a message.
      const oneClickUrl = t.platform.services.push.unsubscribe.url({ target: { scope: 'subscription', subscriptionId: subscriptionIds.get('oneClick:质押融资') ?? '' }, origin: { source: 'delivery', id: 1 } });
      const oneClick = await fetch(`${t.url}${new URL(oneClickUrl).pathname}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
      expect(oneClick.status).to.equal(200);
      // Ended by the subscriber (the account page and the API end it through the same service).
      const ended = enterprises.get('ended');
      expect((await t.api({ method: 'POST', path: `/api/v1/me/subscriptions/${subscriptionIds.get('ended:贴息政策')}/end`, token: ended?.token, body: { reason: '不再需要' } })).status).to.equal(200);
      const changed = enterprises.get('changed');
      const patch = await t.api({ method: 'PATCH', path: `/api/v1/me/subscriptions/${subscriptionIds.get('changed:质押融资')}`, token: changed?.token, body: { criteria: {}, keywords: ['量子通信'] } });
      expect(patch.status, JSON.stringify(patch.body)).to.equal(200);
      const frequency = enterprises.get('frequency');
      const switched = await t.api<{ id: string }>({ method: 'PATCH', path: `/api/v1/me/subscriptions/${subscriptionIds.get('frequency:质押融资')}`, token: frequency?.token, body: { frequency: 'weekly' } });
      expect(switched.status, JSON.stringify(switched.body)).to.equal(200);
      subscriptionIds.set('frequency:weekly', switched.body.id);
      const profile = enterprises.get('profile');
      expect((await t.api({ method: 'PATCH', path: '/api/v1/me', token: profile?.token, body: { profile: { region: ['region-xuhui'], qualification: ['qual-high-tech'] } } })).status).to.equal(200);
      // A 550 marks the address invalid, exactly as the dispatcher records a permanent rejection.
      const bounced = enterprises.get('bounced');
      const at = new Date().toISOString();
      await t.platform.services.store.subscribers.setContactState({ contactId: bounced?.contactIds[0] ?? '', invalidAt: at, at });
      // A new address replaces the confirmed one and awaits confirmation.
      const unconfirmed = enterprises.get('unconfirmed');
      expect((await t.api({ method: 'POST', path: '/api/v1/me/contacts', token: unconfirmed?.token, body: { channel: 'email', address: 'new-address@audience.example.cn' } })).status).to.equal(201);
      expect((await t.api({ method: 'DELETE', path: `/api/v1/me/contacts/${unconfirmed?.contactIds[0]}`, token: unconfirmed?.token })).status).to.be.oneOf([200, 204]);
      const merged = await t.api({ method: 'POST', path: '/api/v1/taxonomy/tags/need-patent-funding/merge', token: TEST_ADMIN_TOKEN, body: { into: 'need-pledge' } });
      expect(merged.status, JSON.stringify(merged.body)).to.equal(200);
    });

    it('the preview and the feed follow every change', async function () {
      for (const [key, expected] of Object.entries(expectations)) await checkPreviewAndFeed({ key, expected, label: key });
    });

    it('the outbox of a policy published after the changes and the reasons of its messages follow every change', async function () {
      const fresh = await draft();
      freshPolicy = fresh;
      await publish(fresh);
      const rows = await outboxOf(fresh);
      for (const [key, expected] of Object.entries(expectations)) {
        const owner = enterprises.get(key);
        const own = rows.filter((r) => r.subscriberId === owner?.id);
        const reachable = expected.inAudience && (expected.channels ?? ['email']).length > 0;
        expect(own, `${key}: outbox rows`).to.have.length(reachable ? 1 : 0);
        const [row] = own;
        if (!row) continue;
        if (expected.frequency) {
          expect(row.frequency, `${key}: frequency`).to.equal(expected.frequency);
          expect(row.subscriptionIds).to.deep.equal([subscriptionIds.get('frequency:weekly')]);
        }
        const text = await composedText(row);
        expect(text).to.include('为什么推送给您');
        for (const name of expected.names ?? []) expect(text, `${key}: message names ${name}`).to.include(`“${name}”`);
        for (const name of expected.notNames ?? []) expect(text, `${key}: message does not name ${name}`).not.to.include(`“${name}”`);
      }
    });

    it('the delivery log says why each one left out got nothing, naming the real cause', async function () {
      const latest = freshPolicy;
      const whyNot = async (key: string) => {
        const res = await t.api<{ subscriber: { whyNot: string[] } | null }>({ path: `/api/v1/policies/${latest}/deliveries?subscriberId=${enterprises.get(key)?.id}`, token: drafter });
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        return (res.body.subscriber?.whyNot ?? []).join('\n');
      };
      expect(await whyNot('bounced')).to.include('邮箱已被退信（550）').and.not.include('尚未确认');
      expect(await whyNot('unconfirmed')).to.include('邮箱尚未确认').and.include('new-address@audience.example.cn');
      expect(await whyNot('oneClick')).to.include('订阅均已取消').and.include('“质押融资”');
      expect(await whyNot('profile')).to.include('不匹配').and.not.include('推送名单生成时间');
      expect(await whyNot('changed')).to.include('不匹配');
      // A delivery that waits says what it waits for.
      const weekly = await t.api<{ subscriber: { deliveries: { frequency: string; queuedReason: string | null }[] } | null }>({
        path: `/api/v1/policies/${latest}/deliveries?subscriberId=${enterprises.get('frequency')?.id}`,
        token: drafter,
      });
      expect(weekly.body.subscriber?.deliveries.map((d) => [d.frequency, d.queuedReason])).to.deep.equal([['weekly', '等待每周汇总：每周一 08:30（北京时间）发送']]);
    });

    it('a delivery queued before a subscription ended no longer names it in the reasons', async function () {
      const owner = enterprises.get('ended');
      const [queued] = (await outboxOf(basePolicy)).filter((r) => r.subscriberId === owner?.id);
      expect(queued?.subscriptionIds).to.include(subscriptionIds.get('ended:贴息政策'));
      const text = await composedText(queued as Delivery);
      expect(text).to.include('“质押融资”');
      expect(text).not.to.include('“贴息政策”');
    });

    it('after a restart on the same data the preview and the feed still follow every change', async function () {
      await t.close();
      await start();
      for (const [key, expected] of Object.entries(expectations)) await checkPreviewAndFeed({ key, expected, label: `after restart (${key})` });
    });
  });
}

audienceFollowsChanges({ engine: 'embedded', env: () => ({}) });

describe('on the Elasticsearch adapter (model cluster)', function () {
  const fake = new FakeElasticsearch();
  before(async function () {
    await fake.start();
  });
  after(async function () {
    await fake.stop();
  });
  audienceFollowsChanges({ engine: 'elasticsearch', env: () => ({ SEARCH: 'elasticsearch', ELASTICSEARCH_URL: fake.url, ELASTICSEARCH_INDEX_PREFIX: 'audience-follows' }) });
});
