import { expect } from 'chai';
import type { DeliveryListPage } from '../../schemas/delivery-list.schema.js';
import type { NewDelivery } from '../../schemas/delivery.schema.js';
import type { Channel, Subscriber } from '../../schemas/subscriber.schema.js';
import { FormClient } from '../support/browserless-client.js';
import { startTestPlatform, TEST_ADMIN_TOKEN, type TestPlatform } from '../support/test-platform.js';

const AT = '2026-06-01T02:00:00.000Z';

function subscriber(id: string, overrides: Partial<Subscriber>): Subscriber {
  return { id, kind: 'enterprise', name: id, creditCode: null, profile: {}, parkId: null, contacts: [], createdAt: AT, updatedAt: AT, revision: 1, ...overrides };
}

function delivery(subscriberId: string, channel: Channel, overrides: Partial<NewDelivery> = {}): NewDelivery {
  return {
    policyId: 'p-list',
    version: 1,
    subscriberId,
    channel,
    frequency: 'immediate',
    subscriptionIds: [`sub-${subscriberId}`],
    explanation: { eligible: true, eligibility: {}, unknown: [], subscriptions: [] },
    urgent: false,
    ...overrides,
  };
}

describe('staff delivery list over real HTTP: filters, queued reasons, pages and CSV export', function () {
  this.timeout(60_000);
  let t: TestPlatform;
  let drafter: string;
  const store = () => t.platform.services.store;

  before(async () => {
    // Web role only: no dispatcher, so the seeded rows keep the states the test gives them.
    t = await startTestPlatform({ env: { ROLES: 'web', PUSH_CHANNELS: '', MATCHER_INTERVAL_MS: '3600000', SCHEDULER_INTERVAL_MS: '3600000' } });
    drafter = await t.user({ id: 'drafter-list', role: 'drafter' });
    const contact = (id: string, channel: Channel, address: string) => ({ id, channel, address, label: null, confirmedAt: AT, invalidAt: null });
    await store().subscribers.insert({ subscriber: subscriber('park-zj', { kind: 'park', name: '张江园区', contacts: [contact('c-park', 'wecom_robot', '张江企业服务群')] }), tokenHash: 'h-park' });
    // A name starting with = must not run as a formula in a spreadsheet.
    await store().subscribers.insert({
      subscriber: subscriber('s-alpha', { name: '=HYPERLINK("http://evil")', parkId: 'park-zj', contacts: [contact('c-alpha', 'email', 'zhang@example.com'), contact('c-alpha-wx', 'wechat', '张三的微信')] }),
      tokenHash: 'h-alpha',
    });
    await store().subscribers.insert({ subscriber: subscriber('s-beta', { name: '乙科技公司', contacts: [contact('c-beta', 'email', 'li@example.org')] }), tokenHash: 'h-beta' });
    await store().outbox.enqueue([delivery('s-alpha', 'email'), delivery('s-beta', 'email'), delivery('s-alpha', 'wechat'), delivery('park-zj', 'wecom_robot', { frequency: 'daily' })], AT);
    const claimed = await store().deliveryLeases.claim({ channel: 'email', now: AT, leaseUntil: '2026-06-01T02:05:00.000Z', owner: 'w-test', limit: 2 });
    const refs = claimed.map((w) => (w.source === 'delivery' ? { source: 'delivery' as const, id: w.delivery.id, subscriberId: w.delivery.subscriberId } : null)).filter((r) => r !== null);
    const alphaRef = refs.find((r) => r.subscriberId === 's-alpha');
    const betaRef = refs.find((r) => r.subscriberId === 's-beta');
    if (!alphaRef || !betaRef) throw new Error('expected both e-mail deliveries claimed');
    const base = { channel: 'email' as const, attempt: 1, account: 'smtp-a', dryRun: false, durationMs: 10, nextAttemptAt: null };
    await store().deliveryLeases.recordOutcomes({
      owner: 'w-test',
      at: '2026-06-01T02:01:00.000Z',
      outcomes: [
        { ...base, ref: { source: 'delivery', id: alphaRef.id }, outcome: 'sent', errorClass: null, response: '250 ok' },
        { ...base, ref: { source: 'delivery', id: betaRef.id }, outcome: 'failed_permanent', errorClass: 'recipient_rejected', response: '550 no such user' },
      ],
    });
    const paused = await t.api({ method: 'PUT', path: '/api/v1/push/channels/wechat', token: TEST_ADMIN_TOKEN, body: { paused: true, reason: '微信号维护' } });
    expect(paused.status, JSON.stringify(paused.body)).to.equal(200);
  });

  after(async () => t.close());

  it('lists who was reached, on which channel, with status, reason, masked contact and why unsent rows wait', async () => {
    const all = await t.api<DeliveryListPage>({ path: '/api/v1/push/deliveries?policyId=p-list', token: drafter });
    expect(all.status, JSON.stringify(all.body)).to.equal(200);
    expect(all.body.items).to.have.length(4);
    expect(all.body.nextCursor).to.equal(null);

    const sent = all.body.items.find((i) => i.subscriberId === 's-alpha' && i.channel === 'email');
    expect(sent).to.include({ status: 'sent', contact: 'z***@example.com', queuedReason: null, attempts: 1, subscriberKind: 'enterprise' });
    expect(sent?.sentAt).to.equal('2026-06-01T02:01:00.000Z');
    const failed = all.body.items.find((i) => i.subscriberId === 's-beta');
    expect(failed).to.include({ status: 'failed_permanent', errorClass: 'recipient_rejected', contact: 'l***@example.org' });
    expect(failed?.reason).to.include('收件地址被拒收');
    const paused = all.body.items.find((i) => i.channel === 'wechat');
    expect(paused).to.include({ status: 'pending', contact: '张***' });
    expect(paused?.queuedReason).to.equal('渠道已暂停（微信号维护）：恢复后发送，暂停期间不计失败');
    const digest = all.body.items.find((i) => i.channel === 'wecom_robot');
    expect(digest?.queuedReason).to.match(/^等待每日汇总：每天 \d\d:\d\d（北京时间）发送$/);
    expect(JSON.stringify(all.body)).not.to.include('zhang@example.com');

    const byPark = await t.api<DeliveryListPage>({ path: '/api/v1/push/deliveries?parkId=park-zj', token: drafter });
    expect(byPark.body.items.map((i) => i.subscriberId).sort()).to.deep.equal(['park-zj', 's-alpha', 's-alpha']);
    const byStatus = await t.api<DeliveryListPage>({ path: '/api/v1/push/deliveries?status=failed_permanent&channel=email', token: drafter });
    expect(byStatus.body.items.map((i) => i.subscriberId)).to.deep.equal(['s-beta']);
    const outside = await t.api<DeliveryListPage>({ path: '/api/v1/push/deliveries?from=2026-06-02&to=2026-06-30', token: drafter });
    expect(outside.body.items).to.deep.equal([]);
    const inside = await t.api<DeliveryListPage>({ path: '/api/v1/push/deliveries?from=2026-06-01&to=2026-06-01', token: drafter });
    expect(inside.body.items).to.have.length(4);
  });

  it('pages forward and back by cursor in a stable order', async () => {
    const first = await t.api<DeliveryListPage>({ path: '/api/v1/push/deliveries?limit=3', token: drafter });
    expect(first.body.items).to.have.length(3);
    expect(first.body.prevCursor).to.equal(null);
    const cursor = first.body.nextCursor;
    if (!cursor) throw new Error('expected a next page');
    const second = await t.api<DeliveryListPage>({ path: `/api/v1/push/deliveries?limit=3&cursor=${cursor}`, token: drafter });
    expect(second.body.items).to.have.length(1);
    expect(second.body.nextCursor).to.equal(null);
    const ids = [...first.body.items, ...second.body.items].map((i) => i.id);
    expect(new Set(ids).size).to.equal(4);
    expect(ids).to.deep.equal([...ids].sort((a, b) => b - a));
    const back = await t.api<DeliveryListPage>({ path: `/api/v1/push/deliveries?limit=3&cursor=${second.body.prevCursor ?? ''}`, token: drafter });
    expect(back.body.items.map((i) => i.id)).to.deep.equal(first.body.items.map((i) => i.id));
  });

  it('refuses bad filters with a 400 and a Chinese message, and strangers with a 401', async () => {
    const badStatus = await t.api<{ error: { code: string; message: string } }>({ path: '/api/v1/push/deliveries?status=lost', token: drafter });
    expect(badStatus.status).to.equal(400);
    expect(badStatus.body.error.code).to.equal('validation_failed');
    expect(badStatus.body.error.message).to.include('状态无效');
    const badLimit = await t.api<{ error: { message: string } }>({ path: '/api/v1/push/deliveries?limit=500', token: drafter });
    expect(badLimit.status).to.equal(400);
    expect(badLimit.body.error.message).to.include('每页条数最多 200');
    const badCsv = await t.api<{ error: { message: string } }>({ path: '/api/v1/push/deliveries.csv?channel=fax', token: drafter });
    expect(badCsv.status).to.equal(400);
    expect(badCsv.body.error.message).to.include('渠道无效');
    expect((await t.api({ path: '/api/v1/push/deliveries' })).status).to.equal(401);
  });

  it('exports the filtered list as CSV with a BOM, Chinese headers and formula-safe cells', async () => {
    const response = await fetch(`${t.url}/api/v1/push/deliveries.csv?policyId=p-list`, { headers: { authorization: `Bearer ${drafter}` } });
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-type')).to.include('text/csv');
    expect(response.headers.get('content-disposition')).to.match(/attachment; filename="deliveries-\d{4}-\d{2}-\d{2}\.csv"/);
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect([...bytes.slice(0, 3)]).to.deep.equal([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
    const lines = text.slice(1).trimEnd().split('\r\n');
    expect(lines[0]).to.equal('编号,政策,版本,订阅用户,用户类型,渠道,联系方式（已隐去部分）,状态,失败原因,排队原因,尝试次数,发送时间,入队时间');
    expect(lines).to.have.length(5);
    expect(text).to.include(`"'=HYPERLINK(""http://evil"")"`);
    expect(text).to.include('渠道已暂停（微信号维护）');
    expect(text).not.to.include('zhang@example.com');
    const filtered = await fetch(`${t.url}/api/v1/push/deliveries.csv?status=sent`, { headers: { authorization: `Bearer ${drafter}` } });
    expect((await filtered.text()).trimEnd().split('\r\n')).to.have.length(2);
  });

  it('shows staff the list page with filters, pages and an export link carrying the filters', async () => {
    const staff = new FormClient(t.url);
    await staff.get('/staff/sign-in');
    await staff.post('/staff/sign-in', { token: drafter });
    const page = await staff.get('/staff/push/deliveries?channel=wechat');
    expect(page.status).to.equal(200);
    expect(page.text).to.include('推送明细');
    expect(page.text).to.include('渠道已暂停（微信号维护）');
    expect(page.text).to.include('href="/staff/push/deliveries.csv?channel=wechat"');
    expect(page.text).not.to.include('乙科技公司');
    const paged = await staff.get('/staff/push/deliveries?limit=2');
    expect(paged.text).to.include('rel="next"');
    const csv = await staff.get('/staff/push/deliveries.csv?channel=wechat');
    expect(csv.status).to.equal(200);
    expect(csv.text).to.include('张***');
    const bad = await staff.get('/staff/push/deliveries?status=lost');
    expect(bad.status).to.equal(400);
    expect(bad.text).to.include('状态无效');
    expect((await new FormClient(t.url).get('/staff/push/deliveries')).status).not.to.equal(200);
  });
});
