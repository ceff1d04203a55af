import { expect } from 'chai';
import { openPushFixture, type PushFixture } from '../support/push-fixture.js';

describe('park digests fold in confirmed members only', function () {
  this.timeout(60_000);
  let f: PushFixture;
  before(async () => {
    f = await openPushFixture({ start: '2026-03-02T01:00:00.000Z', env: { PUSH_CHANNELS: 'wechat' } });
  });
  after(async () => f.close());

  it('leaves an enterprise whose request the park has not confirmed out of the park group digest', async () => {
    await f.importPolicy({ id: 'pd-park-only', title: '园区成员确认测试政策', docNumber: '浦知〔2026〕901号' });
    const park = await f.subscriber({ kind: 'park', name: '成员确认园区', contacts: [{ channel: 'wechat', address: '成员确认园区群', label: null }] });
    const member = await f.subscriber({ name: '已确认成员企业', contacts: [{ channel: 'wechat', address: '成员联络员', label: null }], parkId: park.id });
    const asking = await f.subscriber({ name: '自称成员企业', contacts: [{ channel: 'wechat', address: '自称联络员', label: null }] });
    const requested = await f.services.subscribers.updateProfile({ subscriber: asking, body: { parkId: park.id } });
    expect(requested.parkRequest?.status).to.equal('pending');
    await f.enqueue([
      { policyId: 'pd-park-only', subscription: await f.subscribe({ subscriber: member, channels: ['wechat'] }), channel: 'wechat' },
      { policyId: 'pd-park-only', subscription: await f.subscribe({ subscriber: requested, channels: ['wechat'] }), channel: 'wechat' },
    ]);
    f.setNow('2026-03-03T00:31:00.000Z');
    await f.services.push.scheduler.runDigests();
    const { messages } = await f.store.webAccounts.listPushHistory({ subscriberId: park.id, limit: 10 });
    const digest = messages.find((m) => m.payload.kind === 'digest');
    expect(digest, 'the park group gets its digest').to.not.equal(undefined);
    const memberIds = digest?.payload.kind === 'digest' ? digest.payload.parkItems.flatMap((i) => i.memberIds) : [];
    expect(memberIds).to.deep.equal([member.id]);
  });
});
