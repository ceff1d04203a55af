import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { DomainError } from '../../server/errors.js';
import { parseMail, type ReceivedMail } from '../support/smtp-sink.js';
import { openPushFixture, type PushFixture } from '../support/push-fixture.js';

/**
 * Digests and WeChat text: each policy of a digest names the delivery it carried, the digest's
 * 与我无关 asks which of its policies were not relevant, and WeChat text carries both links too.
 */
describe('measured precision in digests and WeChat text', function () {
  this.timeout(30_000);
  let f: PushFixture;

  const outbox = (): ReceivedMail[] => {
    const dir = path.join(f.dir, 'outbox');
    if (!fs.existsSync(dir)) return [];
    return fs
      .readdirSync(dir)
      .filter((name) => name.endsWith('.eml'))
      .map((name) => {
        const raw = fs.readFileSync(path.join(dir, name), 'utf8');
        return parseMail({ raw, from: '', to: [/^To: (.+)$/m.exec(raw)?.[1]?.trim() ?? ''] });
      });
  };
  const tokenOf = (link: string | undefined) => link?.split('/').at(-1) ?? '';

  before(async () => {
    f = await openPushFixture({ start: '2026-03-01T04:00:00.000Z', env: { PUSH_CHANNELS: 'email' } });
    await f.importPolicy({ id: 'pt-digest-a', title: '浦东新区知识产权质押融资贴息办法', docNumber: '浦知规〔2026〕11号' });
    await f.importPolicy({ id: 'pt-digest-b', title: '浦东新区专利保险补贴实施细则', docNumber: '浦知规〔2026〕12号' });
  });
  after(async () => f.close());

  it('tracks each policy of a digest against its own delivery and records 与我无关 for the policies chosen', async () => {
    const daily = await f.subscriber({ name: '每日汇总材料有限公司', contacts: [{ channel: 'email', address: 'daily@tracking.example.cn', label: null }] });
    const subscription = await f.subscribe({ subscriber: daily, channels: ['email'], frequency: 'daily' });
    await f.services.push.scheduler.runDigests();
    await f.enqueue([
      { policyId: 'pt-digest-a', subscription, channel: 'email' },
      { policyId: 'pt-digest-b', subscription, channel: 'email' },
    ]);
    f.setNow('2026-03-02T00:31:00.000Z');
    await f.services.push.scheduler.runDigests();
    const dispatcher = f.dispatcher();
    await dispatcher.laneFor('email')?.drain({ timeoutMs: 5000 });
    await dispatcher.stop();

    const mail = outbox().find((m) => m.to[0]?.includes('daily@tracking.example.cn'));
    expect(mail?.subject).to.match(/^【政策每日汇总】2 条新政策/);
    const rows = await f.store.outbox.listForSubscriber({ subscriberId: daily.id, limit: 10 });
    const byPolicy = new Map(rows.map((d) => [d.policyId, d]));
    const a = byPolicy.get('pt-digest-a');
    const b = byPolicy.get('pt-digest-b');
    expect(a?.status).to.equal('sent');
    const text = mail?.text ?? '';
    const openA = new RegExp(`http://localhost:3000/r/d${a?.id}\\.[\\w.-]+`).exec(text)?.[0];
    expect(openA, 'policy A names its delivery').to.be.a('string');
    expect(text).to.match(new RegExp(`http://localhost:3000/r/d${b?.id}\\.`));
    const feedback = /http:\/\/localhost:3000\/feedback\/m\d+\.[\w-]+/.exec(text)?.[0];
    expect(feedback, 'the digest names its message for 与我无关').to.be.a('string');

    const tracking = f.services.push.tracking;
    expect(await tracking.open({ token: tokenOf(openA), countable: true })).to.equal('/policies/pt-digest-a');
    expect(await f.store.pushTracking.getOpen({ source: 'delivery', id: a?.id ?? 0 })).to.deep.equal({ openedAt: '2026-03-02T00:31:00.000Z' });

    const subject = await tracking.describeFeedback(tokenOf(feedback));
    expect(subject.digest).to.equal(true);
    expect(subject.items.map((i) => i.title).sort()).to.deep.equal(['浦东新区专利保险补贴实施细则', '浦东新区知识产权质押融资贴息办法'].sort());
    let refused: unknown = null;
    try {
      await tracking.recordFeedback({ token: tokenOf(feedback), form: { reasons: [], note: '', deliveryIds: [] } });
    } catch (error) {
      refused = error;
    }
    expect(refused).to.be.instanceOf(DomainError);
    expect(refused).to.include({ code: 'feedback_nothing_chosen' });
    const result = await tracking.recordFeedback({ token: tokenOf(feedback), form: { reasons: ['region'], note: '', deliveryIds: [b?.id ?? 0] } });
    expect(result).to.include({ recorded: 1, alreadyRecorded: false });
    expect(await f.store.pushTracking.getFeedback({ source: 'delivery', id: b?.id ?? 0 })).to.deep.include({ reasons: ['region'], note: null });
    expect(await f.store.pushTracking.getFeedback({ source: 'delivery', id: a?.id ?? 0 })).to.equal(null);
    // The digest's form now offers only the policy not yet marked; once both are, it says so.
    expect((await tracking.describeFeedback(tokenOf(feedback))).items.map((i) => i.deliveryId)).to.deep.equal([a?.id]);
    await tracking.recordFeedback({ token: tokenOf(feedback), form: { reasons: [], note: '', deliveryIds: [a?.id ?? 0] } });
    expect((await tracking.describeFeedback(tokenOf(feedback))).already?.recordedAt).to.equal('2026-03-02T00:31:00.000Z');
    await f.store.pushTracking.purge({ before: '2026-03-03T00:00:00.000Z' });
    await tracking.recordFeedback({ token: tokenOf(feedback), form: { reasons: ['region'], note: '', deliveryIds: [b?.id ?? 0] } });
    await f.store.pushTracking.recordOpen({ ref: { source: 'delivery', id: a?.id ?? 0 }, at: '2026-03-02T00:31:00.000Z' });

    const stats = await tracking.statistics({ groupBy: 'policy', limit: 10 });
    expect(stats.rows.map((r) => [r.key, r.delivered, r.opened, r.irrelevant])).to.deep.equal([
      ['pt-digest-a', 1, 1, 0],
      ['pt-digest-b', 1, 0, 1],
    ]);
  });

  it('ends WeChat text with the 与我无关 link and sends its policy link through the redirect', async () => {
    const contact = await f.subscriber({ name: '微信推送材料有限公司', contacts: [{ channel: 'wechat', address: '王经理', label: null }] });
    const subscription = await f.subscribe({ subscriber: contact, channels: ['wechat'] });
    await f.enqueue([{ policyId: 'pt-digest-a', subscription, channel: 'wechat' }]);
    const now = f.now().toISOString();
    const claimed = await f.store.deliveryLeases.claim({ channel: 'wechat', now, leaseUntil: new Date(f.now().getTime() + 60_000).toISOString(), owner: 'test', limit: 10 });
    const [composed] = await f.services.push.composer.compose(claimed);
    const id = claimed[0]?.source === 'delivery' ? claimed[0].delivery.id : 0;
    const lines = composed?.wechat?.text.split('\n') ?? [];
    expect(lines.some((l) => l.startsWith('详情：http://localhost:3000/r/d'))).to.equal(true);
    expect(lines.at(-1)).to.match(new RegExp(`^与我无关：http://localhost:3000/feedback/d${id}\\.[\\w-]+$`));
    await f.store.deliveryLeases.release({ refs: composed ? [composed.ref] : [], owner: 'test', at: now });
  });
});
