import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Subscriber } from '../../schemas/subscriber.schema.js';
import type { Subscription } from '../../schemas/subscription.schema.js';
import { openPushFixture, type PushFixture } from '../support/push-fixture.js';
import { parseMail, type ReceivedMail } from '../support/smtp-sink.js';
import { createLogger } from '../../server/logger.js';
import { PushScheduler } from '../../server/push/scheduler.js';

/** Shanghai 08:30 is 00:30 UTC. 2026-03-02 is a Monday. */
describe('push on schedule: digests, deadline reminders, urgent first, expired leases', function () {
  this.timeout(30_000);
  let f: PushFixture;
  let daily: Subscriber;
  let weekly: Subscriber;
  let optedOut: Subscriber;
  let dailySub: Subscription;
  let weeklySub: Subscription;
  let optedOutSub: Subscription;

  const outbox = (): ReceivedMail[] => {
    const dir = path.join(f.dir, 'outbox');
    if (!fs.existsSync(dir)) return [];
    return fs
      .readdirSync(dir)
      .filter((name) => name.endsWith('.eml'))
      .sort()
      .map((name) => {
        const raw = fs.readFileSync(path.join(dir, name), 'utf8');
        const to = /^To: (.+)$/m.exec(raw)?.[1] ?? '';
        return parseMail({ raw, from: '', to: [to.trim()] });
      });
  };

  async function drainEmail(): Promise<void> {
    const dispatcher = f.dispatcher();
    await dispatcher.laneFor('email')?.drain({ timeoutMs: 5000 });
    await dispatcher.stop();
  }

  before(async () => {
    f = await openPushFixture({ start: '2026-03-01T04:00:00.000Z', env: { PUSH_CHANNELS: 'email' } });
    await f.importPolicy({
      id: 'pd-digest-a',
      title: '浦东新区知识产权质押融资贴息办法',
      docNumber: '浦知规〔2026〕1号',
      revisions: [{ publishedAt: '2026-02-25T02:00:00.000Z', changes: { title: '浦东新区知识产权质押融资贴息办法（修订）' } }],
    });
    await f.importPolicy({ id: 'pd-digest-b', title: '浦东新区专利保险补贴实施细则', docNumber: '浦知规〔2026〕2号' });
    await f.importPolicy({
      id: 'pd-deadline',
      title: '浦东新区2026年度专利资助申报通知',
      docNumber: '浦知规〔2026〕3号',
      applicationWindow: { opensAt: '2026-02-20', closesAt: '2026-03-09' },
    });
    daily = await f.subscriber({ name: '每日汇总科技有限公司', contacts: [{ channel: 'email', address: 'daily@digest.example.cn', label: null }] });
    weekly = await f.subscriber({ name: '每周汇总科技有限公司', contacts: [{ channel: 'email', address: 'weekly@digest.example.cn', label: null }] });
    optedOut = await f.subscriber({ name: '不要提醒科技有限公司', contacts: [{ channel: 'email', address: 'quiet@digest.example.cn', label: null }] });
    dailySub = await f.subscribe({ subscriber: daily, channels: ['email'], frequency: 'daily' });
    weeklySub = await f.subscribe({ subscriber: weekly, channels: ['email'], frequency: 'weekly' });
    optedOutSub = await f.subscribe({ subscriber: optedOut, channels: ['email'] });
  });
  after(async () => f.close());

  it('runs each daily and weekly slot once, at 08:30 Asia/Shanghai, one message per subscriber', async () => {
    // Sunday noon: the day's slot runs (nothing waits yet); the weekly slot of last Monday too.
    expect((await f.services.push.scheduler.runDigests()).map((r) => [r.runKey, r.created])).to.deep.equal([
      ['daily:2026-03-01', 0],
      ['weekly:2026-02-23', 0],
    ]);
    await f.enqueue([
      { policyId: 'pd-digest-a', version: 1, subscription: dailySub, channel: 'email' },
      { policyId: 'pd-digest-a', version: 2, subscription: dailySub, channel: 'email' },
      { policyId: 'pd-digest-b', subscription: dailySub, channel: 'email' },
      { policyId: 'pd-digest-a', version: 2, subscription: weeklySub, channel: 'email' },
    ]);
    await drainEmail();
    expect(outbox()).to.have.length(0);

    f.setNow('2026-03-02T00:29:00.000Z');
    expect((await f.services.push.scheduler.runDigests()).every((r) => r.alreadyRan)).to.equal(true);
    f.setNow('2026-03-02T00:31:00.000Z');
    expect((await f.services.push.scheduler.runDigests()).map((r) => [r.runKey, r.created])).to.deep.equal([
      ['daily:2026-03-02', 1],
      ['weekly:2026-03-02', 1],
    ]);
    // A second worker, or a rerun, writes nothing twice.
    expect((await f.services.push.scheduler.runDigests()).every((r) => r.alreadyRan)).to.equal(true);
    await drainEmail();
    const mails = outbox();
    expect(mails).to.have.length(2);
    const dailyMail = mails.find((m) => m.to[0]?.includes('daily@digest.example.cn'));
    expect(dailyMail?.subject).to.equal('【政策每日汇总】2 条新政策：浦东新区知识产权质押融资贴息办法（修订）等');
    expect(dailyMail?.text).to.include('浦东新区专利保险补贴实施细则');
    expect(dailyMail?.html).to.include('浦东新区知识产权质押融资贴息办法（修订）');
    expect(dailyMail?.headers.get('list-unsubscribe-post')).to.equal('List-Unsubscribe=One-Click');
    expect(dailyMail?.text).to.include('退订每日汇总');
    const weeklyMail = mails.find((m) => m.to[0]?.includes('weekly@digest.example.cn'));
    expect(weeklyMail?.subject).to.match(/^【政策每周汇总】1 条新政策/);
    const rows = (await f.store.outbox.listForSubscriber({ subscriberId: daily.id, limit: 10 })).sort((a, b) => a.id - b.id);
    expect(rows.map((d) => [d.version, d.status])).to.deep.equal([
      [1, 'skipped'],
      [2, 'sent'],
      [1, 'sent'],
    ]);
    expect(rows[0]?.errorClass).to.equal('superseded');
  });

  it('reminds matched subscribers 7 days and 1 day before the window closes, unless they opted out', async () => {
    await f.enqueue([
      { policyId: 'pd-deadline', subscription: dailySub, channel: 'email' },
      { policyId: 'pd-deadline', subscription: optedOutSub, channel: 'email' },
    ]);
    await f.store.pushSettings.setPreferences({ subscriberId: optedOut.id, preferences: { deadlineReminders: false }, at: f.now().toISOString() });
    await drainEmail();
    const before = outbox().length;
    // 2026-03-02 08:31: seven days before 2026-03-09.
    expect(await f.services.push.scheduler.runReminders()).to.deep.equal([{ policyId: 'pd-deadline', daysBefore: 7, inserted: 1 }]);
    expect(await f.services.push.scheduler.runReminders()).to.deep.equal([{ policyId: 'pd-deadline', daysBefore: 7, inserted: 0 }]);
    await drainEmail();
    const reminders = outbox().filter((m) => m.subject.startsWith('【申报提醒】'));
    expect(outbox().length).to.equal(before + 1);
    expect(reminders.map((m) => m.subject)).to.deep.equal(['【申报提醒】还有 7 天截止：浦东新区2026年度专利资助申报通知']);
    expect(reminders[0]?.to[0]).to.include('daily@digest.example.cn');
    expect(reminders[0]?.text).to.include('不再接收截止提醒');

    f.setNow('2026-03-05T01:00:00.000Z');
    expect(await f.services.push.scheduler.runReminders()).to.deep.equal([{ policyId: 'pd-deadline', daysBefore: 7, inserted: 0 }]);
    f.setNow('2026-03-08T00:35:00.000Z');
    expect(await f.services.push.scheduler.runReminders()).to.deep.equal([{ policyId: 'pd-deadline', daysBefore: 1, inserted: 1 }]);
    await drainEmail();
    expect(outbox().filter((m) => m.subject.startsWith('【申报提醒】明天截止'))).to.have.length(1);
    const quiet = outbox().filter((m) => m.to[0]?.includes('quiet@'));
    expect(quiet.map((m) => m.subject)).to.deep.equal(['【政策推送】浦东新区2026年度专利资助申报通知']);
  });

  it('reads the policies again for reminders only after one changed, and then finds the change', async () => {
    let reads = 0;
    const policies = new Proxy(f.store.policies, {
      get(target, property) {
        if (property === 'listCurrentVersions') {
          return async () => {
            reads += 1;
            return target.listCurrentVersions();
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const store = new Proxy(f.store, { get: (target, property) => (property === 'policies' ? policies : Reflect.get(target, property, target)) });
    const scheduler = new PushScheduler({ store, now: f.now, logger: createLogger({ level: 'silent' }), digestTime: f.config.DIGEST_TIME, reminderDays: [7, 1] });
    f.setNow('2026-03-08T00:40:00.000Z');
    const first = await scheduler.runReminders();
    expect(first.map((run) => run.policyId)).to.deep.equal(['pd-deadline']);
    expect(await scheduler.runReminders()).to.deep.equal(first.map((run) => ({ ...run, inserted: 0 })));
    expect(reads).to.equal(1);
    await f.importPolicy({ id: 'pd-deadline-late', title: '浦东新区专利快速预审备案通知', docNumber: '浦知规〔2026〕9号', applicationWindow: { opensAt: '2026-03-01', closesAt: '2026-03-09' } });
    const after = await scheduler.runReminders();
    expect(reads).to.equal(2);
    expect(after.map((run) => run.policyId).sort()).to.deep.equal(['pd-deadline', 'pd-deadline-late']);
  });

  it('claims urgent work first and returns expired leases to the queue, failing them after the attempt limit', async () => {
    await f.enqueue([{ policyId: 'pd-digest-b', subscription: optedOutSub, channel: 'email' }]);
    await f.store.outbox.enqueueReminders({ policyId: 'pd-digest-a', version: 2, daysBefore: 7, closesAt: '2026-03-15', at: f.now().toISOString() });
    const owner = 'test-worker';
    const lease = (ms: number) => new Date(f.now().getTime() + ms).toISOString();
    // Two reminders (urgent) were queued after the delivery, and still come first.
    const claimed = await f.store.deliveryLeases.claim({ channel: 'email', now: f.now().toISOString(), leaseUntil: lease(1000), owner, limit: 5 });
    expect(claimed.map((w) => (w.source === 'message' ? w.message.kind : 'delivery'))).to.deep.equal(['reminder', 'reminder', 'delivery']);
    const last = claimed[2];
    const id = last?.source === 'delivery' ? last.delivery.id : -1;
    expect(await f.store.deliveryLeases.claim({ channel: 'email', now: f.now().toISOString(), leaseUntil: lease(1000), owner: 'other-worker', limit: 5 })).to.have.length(0);

    // The worker dies: nothing is recorded; after the lease the sweeper requeues.
    expect(await f.store.deliveryLeases.sweepExpiredLeases({ now: f.now().toISOString(), maxAttempts: 2 })).to.deep.equal({ requeued: 0, failed: 0 });
    f.setNow(lease(1500));
    expect(await f.store.deliveryLeases.sweepExpiredLeases({ now: f.now().toISOString(), maxAttempts: 2 })).to.deep.equal({ requeued: 3, failed: 0 });
    const again = await f.store.deliveryLeases.claim({ channel: 'email', now: f.now().toISOString(), leaseUntil: lease(1000), owner, limit: 5 });
    expect(again.map((w) => w.source)).to.deep.equal(['message', 'message', 'delivery']);
    f.setNow(lease(1500));
    expect(await f.store.deliveryLeases.sweepExpiredLeases({ now: f.now().toISOString(), maxAttempts: 2 })).to.deep.equal({ requeued: 0, failed: 3 });
    const attempts = await f.store.deliveryLog.listAttempts({ deliveryIds: [id], messageIds: [] });
    expect(attempts.map((a) => [a.outcome, a.errorClass])).to.deep.equal([
      ['lease_expired', 'lease_expired'],
      ['lease_expired', 'attempts_exhausted'],
    ]);
    const row = (await f.store.outbox.listForSubscriber({ subscriberId: optedOut.id, limit: 5 })).find((d) => d.id === id);
    expect(row?.status).to.equal('failed_permanent');
  });
});
