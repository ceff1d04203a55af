import { expect } from 'chai';
import { recordExemption } from '../support/interpretation.js';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { syntheticCreditCode } from '../../server/subscribers/credit-code.js';
import { policyBody } from '../support/fixtures.js';
import { startTestPlatform, TEST_ADMIN_TOKEN, type TestPlatform } from '../support/test-platform.js';

interface SubscriberWithToken {
  subscriber: { id: string; contacts: { id: string; channel: string; address: string; confirmedAt: string | null }[] };
  token: string;
}
interface SubscriptionView {
  id: string;
  frequency: string;
  endedAt: string | null;
  replaces: string | null;
  feedUrl: string;
}
interface AudiencePreview {
  subscribers: number;
  byChannel: { email: number; wechat: number; wechat_oa: number; wecom_robot: number };
  unknown: { dimension: string; count: number }[];
  breakdown: { dimension: string; buckets: { tagId: string; count: number }[] }[];
  sample: { subscriberId: string; name: string; reasons: string[]; explanation: { unknown: string[]; eligible: boolean } }[];
}

describe('subscribers, subscriptions and audience matching over HTTP', () => {
  let t: TestPlatform;
  let drafter: string;
  let reviewer: string;
  let legalReviewer: string;
  const admin = <T>(method: string, path: string, body?: unknown) => t.api<T>({ method, path, token: TEST_ADMIN_TOKEN, body });

  async function enterprise(name: string, index: number, profile: Record<string, string[]>, email?: string): Promise<SubscriberWithToken> {
    const res = await admin<SubscriberWithToken>('POST', '/api/v1/subscribers', {
      kind: 'enterprise',
      name,
      creditCode: syntheticCreditCode(index),
      profile,
      contacts: email ? [{ channel: 'email', address: email }] : [{ channel: 'wechat', address: `${name}联络员` }],
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    for (const contact of res.body.subscriber.contacts.filter((c) => c.channel === 'email')) {
      const token = t.platform.services.subscribers.confirmationToken({ contactId: contact.id });
      expect((await t.api({ path: `/api/v1/contacts/confirm?token=${encodeURIComponent(token)}` })).status).to.equal(200);
    }
    return res.body;
  }

  async function subscribe(token: string, body: Record<string, unknown>): Promise<SubscriptionView> {
    const res = await t.api<SubscriptionView>({ method: 'POST', path: '/api/v1/me/subscriptions', token, body });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body;
  }

  async function draft(overrides: Record<string, unknown>): Promise<string> {
    const res = await t.api<{ id: string }>({ method: 'POST', path: '/api/v1/policies', token: drafter, body: policyBody(overrides) });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.id;
  }

  async function publish(id: string): Promise<void> {
    await recordExemption({ t, id, token: drafter });
    await t.api({ method: 'POST', path: `/api/v1/policies/${id}/submit`, token: drafter });
    for (const kind of ['confidentiality', 'legality']) {
      await t.api({ method: 'POST', path: `/api/v1/policies/${id}/review`, token: kind === 'legality' ? legalReviewer : reviewer, body: { kind, decision: 'approved' } });
    }
    expect((await t.api({ method: 'POST', path: `/api/v1/policies/${id}/publish`, token: drafter })).status).to.equal(200);
  }

  let zhangjiang: SubscriberWithToken;
  let xuhui: SubscriberWithToken;
  let unknownQual: SubscriberWithToken;
  let wideOpen: SubscriberWithToken;
  let pledgeId: string;

  before(async () => {
    t = await startTestPlatform({ env: { MATCHER_INTERVAL_MS: '3600000' } });
    drafter = await t.user({ id: 'drafter-m', role: 'drafter' });
    reviewer = await t.user({ id: 'reviewer-m', role: 'reviewer' });
    legalReviewer = await t.user({ id: 'reviewer-m-legal', role: 'reviewer' });
    zhangjiang = await enterprise('张江芯片公司', 1, { region: ['region-zhangjiang'], qualification: ['qual-high-tech'] }, 'IP@Zhangjiang-Chip.example.cn');
    xuhui = await enterprise('徐汇软件公司', 2, { region: ['region-xuhui'], qualification: ['qual-high-tech'] }, 'ip@xuhui-soft.example.cn');
    unknownQual = await enterprise('浦东未填资质公司', 3, { region: ['region-pudong'] });
    wideOpen = await enterprise('徐汇关注一切融资公司', 4, { region: ['region-xuhui'] }, 'all@xuhui-finance.example.cn');
    await subscribe(zhangjiang.token, { name: '贴息政策', keywords: ['贴息'], channels: ['email'] });
    await subscribe(zhangjiang.token, { name: '质押融资', criteria: { need: { mode: 'any', tags: ['need-pledge'] } }, channels: ['email'], frequency: 'daily' });
    await subscribe(xuhui.token, { name: '质押融资', criteria: { need: { mode: 'any', tags: ['need-pledge'] } }, channels: ['email'] });
    await subscribe(unknownQual.token, { name: '关键词', keywords: ['贴息'], channels: ['wechat'] });
    await subscribe(wideOpen.token, { name: '不限条件', criteria: { need: { mode: 'any', tags: ['need-pledge'] } }, channels: ['email'], eligibleOnly: false });
  });
  after(async () => t.close());

  it('validates 统一社会信用代码 and keeps credit codes and emails unique', async () => {
    const bad = await admin('POST', '/api/v1/subscribers', { kind: 'enterprise', name: '校验位错误公司', creditCode: '91350100M000100Y44' });
    expect(bad.status).to.equal(400);
    expect(bad.body).to.have.nested.property('error.code', 'credit_code_invalid');
    const missing = await admin('POST', '/api/v1/subscribers', { kind: 'enterprise', name: '没有代码公司' });
    expect(missing.status).to.equal(400);
    const dupCode = await admin('POST', '/api/v1/subscribers', { kind: 'enterprise', name: '重复代码公司', creditCode: syntheticCreditCode(1) });
    expect(dupCode.body).to.have.nested.property('error.code', 'credit_code_taken');
    const dupEmail = await admin('POST', '/api/v1/subscribers', {
      kind: 'enterprise',
      name: '重复邮箱公司',
      creditCode: syntheticCreditCode(99),
      contacts: [{ channel: 'email', address: ' ip@zhangjiang-chip.EXAMPLE.cn ' }],
    });
    expect(dupEmail.status).to.equal(409);
    expect(dupEmail.body).to.have.nested.property('error.code', 'email_taken');
  });

  it('scopes a subscriber token to its own data', async () => {
    const mine = await t.api<{ subscriber: { id: string } }>({ path: '/api/v1/me', token: zhangjiang.token });
    expect(mine.body.subscriber.id).to.equal(zhangjiang.subscriber.id);
    expect((await t.api({ path: '/api/v1/staff/policies', token: zhangjiang.token })).status).to.equal(403);
    expect((await t.api({ path: `/api/v1/subscribers/${xuhui.subscriber.id}`, token: zhangjiang.token })).status).to.equal(403);
    const theirs = await t.api<SubscriptionView[]>({ path: '/api/v1/me/subscriptions', token: xuhui.token });
    const other = await t.api({ method: 'POST', path: `/api/v1/me/subscriptions/${theirs.body[0]?.id}/end`, token: zhangjiang.token, body: {} });
    expect(other.status).to.equal(404);
    expect((await t.api({ path: '/api/v1/me' })).status).to.equal(401);
  });

  it('rejects unknown or deprecated tags in profiles and criteria', async () => {
    const unknown = await t.api({ method: 'POST', path: '/api/v1/me/subscriptions', token: xuhui.token, body: { criteria: { need: { mode: 'any', tags: ['need-nope'] } } } });
    expect(unknown.body).to.have.nested.property('error.code', 'tag_unknown');
    const deprecated = await t.api({ method: 'POST', path: '/api/v1/me/subscriptions', token: xuhui.token, body: { criteria: { need: { tags: ['need-old-subsidy'] } } } });
    expect(deprecated.body).to.have.nested.property('error.code', 'tag_deprecated');
    const profile = await t.api({ method: 'PATCH', path: '/api/v1/me', token: xuhui.token, body: { profile: { region: ['qual-high-tech'] } } });
    expect(profile.body).to.have.nested.property('error.code', 'tag_wrong_dimension');
    const empty = await t.api({ method: 'POST', path: '/api/v1/me/subscriptions', token: xuhui.token, body: { name: '空订阅' } });
    expect(empty.status).to.equal(400);
  });

  it('keeps history when a frequency changes or a subscription ends', async () => {
    const s = await subscribe(xuhui.token, { name: '临时', keywords: ['专利'], channels: ['email'] });
    const changed = await t.api<SubscriptionView>({ method: 'PATCH', path: `/api/v1/me/subscriptions/${s.id}`, token: xuhui.token, body: { frequency: 'weekly' } });
    expect(changed.body.id).not.to.equal(s.id);
    expect(changed.body).to.include({ frequency: 'weekly', replaces: s.id });
    const ended = await t.api<SubscriptionView>({ method: 'POST', path: `/api/v1/me/subscriptions/${changed.body.id}/end`, token: xuhui.token, body: { reason: '不再需要' } });
    expect(ended.body.endedAt).to.be.a('string');
    const again = await t.api<SubscriptionView>({ method: 'POST', path: `/api/v1/me/subscriptions/${changed.body.id}/end`, token: xuhui.token, body: {} });
    expect(again.body.endedAt).to.equal(ended.body.endedAt);
    const history = await t.api<SubscriptionView[]>({ path: '/api/v1/me/subscriptions?includeEnded=true', token: xuhui.token });
    expect(history.body.filter((x) => [s.id, changed.body.id].includes(x.id)).every((x) => x.endedAt)).to.equal(true);
    const live = await t.api<SubscriptionView[]>({ path: '/api/v1/me/subscriptions', token: xuhui.token });
    expect(live.body.map((x) => x.id)).not.to.include.members([s.id, changed.body.id]);
  });

  it('previews the audience of a draft with counts, unknowns and reasons', async () => {
    pledgeId = await draft({ docNumber: '浦知规〔2026〕31号' });
    const preview = await t.api<AudiencePreview>({ path: `/api/v1/policies/${pledgeId}/audience`, token: drafter });
    expect(preview.status, JSON.stringify(preview.body)).to.equal(200);
    const names = preview.body.sample.map((s) => s.name).sort();
    // Zhangjiang: eligible (park under Pudong, high-tech). Unknown qualification: 待确认, not excluded.
    // Xuhui high-tech: wrong district, excluded. Wide-open Xuhui: eligibility off, included.
    expect(names).to.deep.equal(['张江芯片公司', '徐汇关注一切融资公司', '浦东未填资质公司'].sort());
    expect(preview.body.subscribers).to.equal(3);
    expect(preview.body.byChannel).to.deep.equal({ email: 2, wechat: 1, wechat_oa: 0, wecom_robot: 0 });
    expect(preview.body.unknown).to.deep.include({ dimension: 'qualification', label: '资质', count: 1 });
    const region = preview.body.breakdown.find((b) => b.dimension === 'region');
    expect(region?.buckets.find((b) => b.tagId === 'region-pudong')?.count).to.equal(2);
    const zj = preview.body.sample.find((s) => s.name === '张江芯片公司');
    expect(zj?.reasons.join('\n')).to.include('贴息').and.include('质押融资').and.include('符合适用条件');
    const unknown = preview.body.sample.find((s) => s.name === '浦东未填资质公司');
    expect(unknown?.explanation.unknown).to.deep.equal(['qualification']);
    expect(unknown?.reasons.join('\n')).to.include('待确认').and.include('贴息');
    expect(preview.body.sample.find((s) => s.name === '徐汇关注一切融资公司')?.explanation.eligible).to.equal(false);
    expect((await t.api({ path: `/api/v1/policies/${pledgeId}/audience` })).status).to.equal(401);
  });

  it('writes the outbox once per subscriber and channel, however often the matcher runs', async () => {
    await publish(pledgeId);
    const first = await t.platform.services.matching.runDueJobs({ batchSize: 2, leaseMs: 60_000 });
    expect(first).to.deep.include({ policyId: pledgeId, version: 1, status: 'done', matched: 3, written: 3 });
    const rows = await t.platform.services.store.outbox.listForPolicy({ policyId: pledgeId, limit: 100, offset: 0 });
    expect(rows.total).to.equal(3);
    const zj = rows.items.find((d) => d.subscriberId === zhangjiang.subscriber.id);
    expect(zj?.channel).to.equal('email');
    expect(zj?.subscriptionIds).to.have.length(2);
    expect(zj?.frequency).to.equal('immediate');
    // A crash after the rows were written but before the job was finished: the rerun adds nothing.
    await t.platform.services.store.matchingJobs.claim({ policyId: pledgeId, version: 1, now: '2000-01-01T00:00:00.000Z', leaseUntil: '2000-01-01T00:00:01.000Z' });
    const store = t.platform.services.store;
    await store.matchingJobs.finish({ policyId: pledgeId, version: 1, status: 'done', reason: null, matched: 0, written: 0, at: '2000-01-01T00:00:00.000Z' });
    expect(await store.outbox.countForPolicy({ policyId: pledgeId, version: 1 })).to.equal(3);
    const enqueueAgain = await store.outbox.enqueue(rows.items.map((d) => ({ ...d })), new Date().toISOString());
    expect(enqueueAgain.inserted).to.equal(0);
    expect(await t.platform.services.matching.runDueJobs({ batchSize: 2, leaseMs: 60_000 })).to.deep.equal([]);
  });

  it('resumes a job whose worker died half-way without duplicating or missing anyone', async () => {
    const id = await draft({ docNumber: '浦知规〔2026〕32号', title: '浦东新区知识产权质押融资风险补偿办法' });
    await publish(id);
    const store = t.platform.services.store;
    // The first worker claimed the job, wrote one batch and died: its lease is still live.
    const now = new Date();
    await store.matchingJobs.claim({ policyId: id, version: 1, now: now.toISOString(), leaseUntil: new Date(now.getTime() - 1).toISOString() });
    const partial = (await store.outbox.listForPolicy({ policyId: pledgeId, limit: 1, offset: 0 })).items[0];
    if (!partial) throw new Error('fixture missing');
    await store.outbox.enqueue([{ ...partial, policyId: id, version: 1 }], now.toISOString());
    const resumed = await t.platform.services.matching.runDueJobs({ batchSize: 1, leaseMs: 60_000 });
    expect(resumed).to.deep.include({ policyId: id, version: 1, status: 'done', matched: 3, written: 2 });
    expect(await store.outbox.countForPolicy({ policyId: id, version: 1 })).to.equal(3);
    expect((await store.matchingJobs.get({ policyId: id, version: 1 }))?.attempts).to.equal(2);
  });

  it('shows the subscriber the policy in their feed with the reason', async () => {
    const feed = await t.api<{ total: number; items: { policyId: string; reasons: string[] }[] }>({ path: '/api/v1/me/feed', token: zhangjiang.token });
    expect(feed.status).to.equal(200);
    const item = feed.body.items.find((i) => i.policyId === pledgeId);
    expect(item?.reasons.join('\n')).to.include('质押融资');
    const other = await t.api<{ items: { policyId: string }[] }>({ path: '/api/v1/me/feed', token: xuhui.token });
    expect(other.body.items.map((i) => i.policyId)).not.to.include(pledgeId);
  });

  it('serves valid Atom: a public tag feed (descendants included) and a private feed per subscription', async () => {
    const parser = new XMLParser({ ignoreAttributes: false });
    const tagFeed = await t.api<string>({ path: '/feeds/tags/region-shanghai.atom' });
    expect(tagFeed.status).to.equal(200);
    expect(tagFeed.headers.get('content-type')).to.include('application/atom+xml');
    expect(XMLValidator.validate(tagFeed.body)).to.equal(true);
    const doc = parser.parse(tagFeed.body) as { feed: { id: string; title: unknown; updated: string; entry: { id: string; link: Record<string, string> }[] | { id: string } } };
    expect(doc.feed.id).to.equal('urn:policy-push:tag:region-shanghai');
    const entries = Array.isArray(doc.feed.entry) ? doc.feed.entry : [doc.feed.entry];
    expect(entries.map((e) => e.id)).to.include(`urn:policy-push:policy:${pledgeId}:v1`);

    const subs = await t.api<SubscriptionView[]>({ path: '/api/v1/me/subscriptions', token: zhangjiang.token });
    const feedUrl = subs.body.find((s) => s.feedUrl)?.feedUrl ?? '';
    const privatePath = new URL(feedUrl).pathname;
    const privateFeed = await t.api<string>({ path: privatePath });
    expect(privateFeed.status).to.equal(200);
    expect(XMLValidator.validate(privateFeed.body)).to.equal(true);
    expect(privateFeed.body).to.include(pledgeId);
    const forged = await t.api({ path: privatePath.replace(/\.[^.]+\.atom$/, '.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.atom') });
    expect(forged.status).to.equal(404);
    expect((await t.api({ path: '/feeds/tags/no-such-tag.atom' })).status).to.equal(404);
  });

  it('moves profiles and subscriptions along with a tag merge', async () => {
    const merged = await admin<{ subscribersRewritten: number; subscriptionsRewritten: number }>('POST', '/api/v1/taxonomy/tags/need-pledge/merge', { into: 'need-funding' });
    expect(merged.status, JSON.stringify(merged.body)).to.equal(200);
    expect(merged.body.subscriptionsRewritten).to.be.at.least(3);
    const subs = await t.api<{ criteria: { need?: { tags: string[] } } }[]>({ path: '/api/v1/me/subscriptions', token: xuhui.token });
    expect(subs.body.flatMap((s) => s.criteria.need?.tags ?? [])).to.include('need-funding').and.not.include('need-pledge');
  });

  it('imports enterprises in bulk with a per-row report, for admins and for parks', async () => {
    const park = await admin<SubscriberWithToken>('POST', '/api/v1/subscribers', { kind: 'park', name: '张江科学城园区', profile: { region: ['region-zhangjiang'] } });
    expect(park.status).to.equal(201);
    const csv = [
      'name,creditCode,region,qualification,email',
      `园区企业甲,${syntheticCreditCode(501)},region-zhangjiang,qual-high-tech,a@park-a.example.cn`,
      `园区企业乙,${syntheticCreditCode(502)},region-zhangjiang,,`,
      '坏代码企业,91350100M000100Y44,region-zhangjiang,,',
      `"带逗号,的企业",${syntheticCreditCode(503)},region-nowhere,,`,
      `重复代码企业,${syntheticCreditCode(501)},,,`,
    ].join('\r\n');
    const report = await t.api<{ imported: number; failed: number; errors: { line: number; code: string }[] }>({
      method: 'POST',
      path: '/api/v1/me/members/import',
      token: park.body.token,
      body: { format: 'csv', content: csv },
    });
    expect(report.status, JSON.stringify(report.body)).to.equal(200);
    expect(report.body).to.include({ imported: 2, failed: 3 });
    expect(report.body.errors.map((e) => [e.line, e.code])).to.deep.equal([
      [4, 'credit_code_invalid'],
      [5, 'tag_unknown'],
      [6, 'credit_code_taken'],
    ]);
    const members = await t.api<{ total: number }>({ path: '/api/v1/me/members', token: park.body.token });
    expect(members.body.total).to.equal(2);
    expect((await t.api({ method: 'POST', path: '/api/v1/me/members/import', token: zhangjiang.token, body: { format: 'csv', content: csv } })).status).to.equal(403);

    const jsonl = [
      JSON.stringify({ kind: 'enterprise', name: '导入企业丙', creditCode: syntheticCreditCode(601) }),
      '{"kind": "enterprise", "name": ',
      JSON.stringify({ kind: 'individual', name: '导入个人', profile: { region: ['region-xuhui'] } }),
    ].join('\n');
    const adminReport = await admin<{ imported: number; failed: number; errors: { line: number; code: string }[] }>('POST', '/api/v1/subscribers/import', { format: 'jsonl', content: jsonl });
    expect(adminReport.body).to.include({ imported: 2, failed: 1 });
    expect(adminReport.body.errors[0]).to.include({ line: 2, code: 'malformed_json' });
  });
});
