import { expect } from 'chai';
import type { ClaimedWork, NewDelivery, SendOutcome, WorkRef } from '../../schemas/delivery.schema.js';
import type { Channel, Contact, Subscriber } from '../../schemas/subscriber.schema.js';
import type { Frequency } from '../../schemas/subscription.schema.js';
import type { Store } from '../../server/ports/store.port.js';

/** Minutes after a fixed instant, so every ordering in these cases is explicit. */
const t = (minutes: number) => new Date(Date.parse('2026-05-01T00:00:00.000Z') + minutes * 60_000).toISOString();
const WEEK_BEFORE = t(-7 * 24 * 60);

function row(subscriberId: string, overrides: Partial<NewDelivery> = {}): NewDelivery {
  return {
    policyId: 'p-1',
    version: 1,
    subscriberId,
    channel: 'email',
    frequency: 'immediate',
    subscriptionIds: [`sub-${subscriberId}`],
    explanation: { eligible: true, eligibility: {}, unknown: [], subscriptions: [] },
    urgent: false,
    ...overrides,
  };
}

function contact(id: string, channel: Channel, address: string, overrides: Partial<Contact> = {}): Contact {
  return { id, channel, address, label: null, confirmedAt: t(0), invalidAt: null, ...overrides };
}

function subscriber(id: string, overrides: Partial<Subscriber> = {}): Subscriber {
  return { id, kind: 'enterprise', name: `企业${id}`, creditCode: null, profile: {}, parkId: null, contacts: [], createdAt: t(0), updatedAt: t(0), revision: 1, ...overrides };
}

function refOf(work: ClaimedWork): WorkRef {
  return work.source === 'delivery' ? { source: 'delivery', id: work.delivery.id } : { source: 'message', id: work.message.id };
}

function labelOf(work: ClaimedWork): string {
  return work.source === 'delivery' ? `delivery:${work.delivery.policyId}:${work.delivery.subscriberId}` : `message:${work.message.kind}:${work.message.subscriberId}`;
}

function outcome(ref: WorkRef, overrides: Partial<SendOutcome> = {}): SendOutcome {
  return { ref, channel: 'email', outcome: 'sent', attempt: 1, errorClass: null, response: null, account: 'smtp-a', dryRun: false, durationMs: 12.4, nextAttemptAt: null, ...overrides };
}

/**
 * The push parts of the store (outbox, delivery leases, digests, delivery log, push settings), as every store adapter
 * must behave. Each case gets a fresh, migrated store.
 */
export function pushQueueContract({ name, create }: { name: string; create: () => Promise<Store> }): void {
  describe(`Push queue contract: ${name}`, () => {
    let store: Store;

    beforeEach(async () => {
      store = await create();
      await store.migrate();
    });
    afterEach(async () => store.close());

    async function deliveryOf(policyId: string, subscriberId: string, channel: Channel = 'email') {
      const { deliveries } = await store.deliveryLog.listForPolicySubscriber({ policyId, subscriberId });
      const found = deliveries.find((d) => d.channel === channel);
      if (!found) throw new Error(`no delivery ${policyId} ${subscriberId} ${channel}`);
      return found;
    }

    it('claims urgent work first, then the oldest due, across deliveries and messages, one channel and immediate rows only', async () => {
      await store.subscribers.insert({ subscriber: subscriber('s-new', { contacts: [contact('c-new', 'email', 'new@example.cn', { confirmedAt: null })] }), tokenHash: 'h-new' });
      await store.outbox.enqueue([row('s-1', { policyId: 'p-plain' })], t(0));
      await store.outbox.enqueue([row('s-1', { policyId: 'p-urgent', urgent: true })], t(1));
      await store.outbox.enqueue([row('s-1', { policyId: 'p-daily', frequency: 'daily' })], t(2));
      await store.outbox.enqueue([row('s-1', { policyId: 'p-wechat', channel: 'wechat' })], t(3));
      expect(await store.outbox.enqueueConfirmations({ at: t(4), limit: 10 })).to.deep.equal({ inserted: 1 });

      const claimed = await store.deliveryLeases.claim({ channel: 'email', now: t(10), leaseUntil: t(15), owner: 'w1', limit: 10 });
      expect(claimed.map(labelOf)).to.deep.equal(['delivery:p-urgent:s-1', 'message:confirmation:s-new', 'delivery:p-plain:s-1']);
      for (const work of claimed) {
        const item = work.source === 'delivery' ? work.delivery : work.message;
        expect(item).to.include({ status: 'sending', attempts: 1, leaseUntil: t(15) });
      }
      expect(await store.deliveryLeases.claim({ channel: 'email', now: t(10), leaseUntil: t(15), owner: 'w2', limit: 10 })).to.deep.equal([]);
      expect((await store.deliveryLeases.claim({ channel: 'wechat', now: t(10), leaseUntil: t(15), owner: 'w2', limit: 10 })).map(labelOf)).to.deep.equal(['delivery:p-wechat:s-1']);
      // Nothing is due before its time.
      await store.outbox.enqueue([row('s-2', { policyId: 'p-later' })], t(20));
      expect(await store.deliveryLeases.claim({ channel: 'email', now: t(19), leaseUntil: t(25), owner: 'w1', limit: 10 })).to.deep.equal([]);
    });

    it('never hands one item to two concurrent workers', async () => {
      await store.outbox.enqueue(Array.from({ length: 40 }, (_, i) => row(`s-${String(i).padStart(2, '0')}`)), t(0));
      const seen: number[] = [];
      for (let round = 0; round < 10; round += 1) {
        const batches = await Promise.all(
          Array.from({ length: 8 }, (_, w) => store.deliveryLeases.claim({ channel: 'email', now: t(1), leaseUntil: t(5), owner: `w${w}`, limit: 7 })),
        );
        const ids = batches.flat().map((work) => refOf(work).id);
        if (ids.length === 0) break;
        seen.push(...ids);
      }
      expect(seen).to.have.length(40);
      expect(new Set(seen).size).to.equal(40);
    });

    it('records results with an attempt each, retries temporary failures when due, and never resends a sent item', async () => {
      await store.outbox.enqueue([row('s-sent'), row('s-temp'), row('s-perm')], t(0));
      const claimed = await store.deliveryLeases.claim({ channel: 'email', now: t(1), leaseUntil: t(6), owner: 'w1', limit: 10 });
      expect(claimed).to.have.length(3);
      const ref = async (subscriberId: string): Promise<WorkRef> => ({ source: 'delivery', id: (await deliveryOf('p-1', subscriberId)).id });
      const [sent, temp, perm] = [await ref('s-sent'), await ref('s-temp'), await ref('s-perm')];
      await store.deliveryLeases.recordOutcomes({
        owner: 'w1',
        at: t(2),
        outcomes: [
          outcome(sent),
          outcome(temp, { outcome: 'failed_temporary', errorClass: 'connection', response: '连接被重置', nextAttemptAt: t(20) }),
          outcome(perm, { outcome: 'failed_permanent', errorClass: 'recipient_rejected', response: '550 no such user' }),
        ],
      });
      expect(await deliveryOf('p-1', 's-sent')).to.include({ status: 'sent', sentAt: t(2), leaseUntil: null, lastError: null });
      expect(await deliveryOf('p-1', 's-temp')).to.include({ status: 'failed_temporary', nextAttemptAt: t(20), errorClass: 'connection', lastError: '连接被重置' });
      expect(await deliveryOf('p-1', 's-perm')).to.include({ status: 'failed_permanent', errorClass: 'recipient_rejected' });
      const attempts = await store.deliveryLog.listAttempts({ deliveryIds: [sent.id, temp.id, perm.id], messageIds: [] });
      expect(attempts.map((a) => [a.deliveryId, a.outcome, a.worker, a.durationMs])).to.deep.equal([
        [sent.id, 'sent', 'w1', 12],
        [temp.id, 'failed_temporary', 'w1', 12],
        [perm.id, 'failed_permanent', 'w1', 12],
      ]);

      expect(await store.deliveryLeases.claim({ channel: 'email', now: t(19), leaseUntil: t(25), owner: 'w1', limit: 10 })).to.deep.equal([]);
      const retry = await store.deliveryLeases.claim({ channel: 'email', now: t(21), leaseUntil: t(25), owner: 'w1', limit: 10 });
      expect(retry.map((w) => (w.source === 'delivery' ? [w.delivery.subscriberId, w.delivery.attempts] : []))).to.deep.equal([['s-temp', 2]]);

      // Another worker's failure does not touch a row w1 holds; a known send is written whoever reports it.
      await store.deliveryLeases.recordOutcomes({ owner: 'w2', at: t(22), outcomes: [outcome(temp, { outcome: 'failed_temporary', errorClass: 'timeout', nextAttemptAt: t(30) })] });
      expect(await deliveryOf('p-1', 's-temp')).to.include({ status: 'sending' });
      await store.deliveryLeases.recordOutcomes({ owner: 'w2', at: t(23), outcomes: [outcome(temp, { account: 'smtp-b' })] });
      expect(await deliveryOf('p-1', 's-temp')).to.include({ status: 'sent', sentAt: t(23) });
      // A final row keeps its result.
      await store.deliveryLeases.recordOutcomes({ owner: 'w1', at: t(24), outcomes: [outcome(sent, { outcome: 'failed_permanent', errorClass: 'message_rejected' })] });
      expect(await deliveryOf('p-1', 's-sent')).to.include({ status: 'sent', sentAt: t(2) });
      expect(await store.deliveryLeases.claim({ channel: 'email', now: t(100), leaseUntil: t(105), owner: 'w1', limit: 10 })).to.deep.equal([]);

      expect(await store.deliveryLog.countSent({ channel: 'email', account: 'smtp-a', since: t(0) })).to.equal(1);
      expect(await store.deliveryLog.countSent({ channel: 'email', account: 'smtp-a', since: t(3) })).to.equal(0);
      expect(await store.deliveryLog.countSent({ channel: 'email', account: 'smtp-b', since: t(0) })).to.equal(1);
      await store.outbox.enqueue([row('s-dry', { channel: 'wechat' })], t(30));
      const [dry] = await store.deliveryLeases.claim({ channel: 'wechat', now: t(31), leaseUntil: t(35), owner: 'w1', limit: 1 });
      if (!dry) throw new Error('nothing claimed');
      await store.deliveryLeases.recordOutcomes({ owner: 'w1', at: t(32), outcomes: [outcome(refOf(dry), { channel: 'wechat', account: 'bot', dryRun: true })] });
      expect(await store.deliveryLog.countSent({ channel: 'wechat', account: 'bot', since: t(0) })).to.equal(0);
      expect(await deliveryOf('p-1', 's-dry', 'wechat')).to.include({ status: 'sent', dryRun: true });
    });

    it('releases unstarted work without counting the attempt, extends leases, and sweeps expired ones', async () => {
      await store.outbox.enqueue([row('s-a'), row('s-b')], t(0));
      const claimed = await store.deliveryLeases.claim({ channel: 'email', now: t(1), leaseUntil: t(3), owner: 'w1', limit: 10 });
      const [a, b] = claimed.map(refOf);
      if (!a || !b) throw new Error('expected two claims');
      expect(await store.deliveryLeases.release({ refs: [a], owner: 'w2', at: t(2) })).to.equal(0);
      expect(await store.deliveryLeases.release({ refs: [a], owner: 'w1', at: t(2) })).to.equal(1);
      const released = (await store.outbox.listForPolicy({ policyId: 'p-1', limit: 10, offset: 0 })).items.find((d) => d.id === a.id);
      expect(released).to.include({ status: 'pending', attempts: 0, leaseUntil: null });

      const again = await store.deliveryLeases.claim({ channel: 'email', now: t(2), leaseUntil: t(4), owner: 'w2', limit: 10 });
      expect(again.map(refOf)).to.deep.equal([a]);
      await store.deliveryLeases.extendLeases({ refs: [b], owner: 'w1', leaseUntil: t(30) });
      await store.deliveryLeases.extendLeases({ refs: [a], owner: 'w1', leaseUntil: t(30) });
      expect(await store.deliveryLeases.sweepExpiredLeases({ now: t(10), maxAttempts: 5 })).to.deep.equal({ requeued: 1, failed: 0 });
      const swept = (await store.outbox.listForPolicy({ policyId: 'p-1', limit: 10, offset: 0 })).items.find((d) => d.id === a.id);
      expect(swept).to.include({ status: 'pending', errorClass: 'lease_expired', nextAttemptAt: t(10), leaseUntil: null });
      expect((await store.deliveryLog.listAttempts({ deliveryIds: [a.id], messageIds: [] })).map((x) => [x.outcome, x.errorClass, x.attempt])).to.deep.equal([
        ['lease_expired', 'lease_expired', 1],
      ]);

      // The item that crashes its worker every time is failed once it used up its attempts.
      await store.deliveryLeases.claim({ channel: 'email', now: t(11), leaseUntil: t(12), owner: 'w3', limit: 1 });
      expect(await store.deliveryLeases.sweepExpiredLeases({ now: t(13), maxAttempts: 2 })).to.deep.equal({ requeued: 0, failed: 1 });
      const failed = (await store.outbox.listForPolicy({ policyId: 'p-1', limit: 10, offset: 0 })).items.find((d) => d.id === a.id);
      expect(failed).to.include({ status: 'failed_permanent', errorClass: 'attempts_exhausted', attempts: 2 });
      expect(await store.deliveryLeases.sweepExpiredLeases({ now: t(13), maxAttempts: 2 })).to.deep.equal({ requeued: 0, failed: 0 });
    });

    it('plans a digest run once: one message per subscriber and channel, latest version only, settled with its message', async () => {
      const daily = (subscriberId: string, policyId: string, version: number, channel: Channel = 'email', frequency: Frequency = 'daily') =>
        row(subscriberId, { policyId, version, channel, frequency });
      await store.outbox.enqueue([daily('s-1', 'p-1', 1)], t(0));
      await store.outbox.enqueue([daily('s-1', 'p-1', 2), daily('s-1', 'p-2', 1), daily('s-2', 'p-1', 2, 'wechat'), daily('s-1', 'p-3', 1, 'email', 'weekly')], t(1));

      const first = await store.digests.planDigest({ runKey: 'daily:2026-05-01', frequency: 'daily', slotAt: t(2), at: t(3), parkFirstWindowStart: WEEK_BEFORE });
      expect(first).to.deep.equal({ created: 2, alreadyRan: false });
      expect(await store.digests.planDigest({ runKey: 'daily:2026-05-01', frequency: 'daily', slotAt: t(2), at: t(4), parkFirstWindowStart: WEEK_BEFORE })).to.deep.equal({
        created: 0,
        alreadyRan: true,
      });

      const versions = (await store.deliveryLog.listForPolicySubscriber({ policyId: 'p-1', subscriberId: 's-1' })).deliveries;
      const carrier = versions.find((d) => d.version === 2)?.messageId ?? null;
      expect(versions.map((d) => [d.version, d.status, d.errorClass, d.messageId])).to.deep.equal([
        [1, 'skipped', 'superseded', null],
        [2, 'pending', null, carrier],
      ]);
      if (carrier === null) throw new Error('the latest version was not carried');
      expect((await store.digests.listByMessage(carrier)).map((d) => [d.policyId, d.version])).to.deep.equal([
        ['p-1', 2],
        ['p-2', 1],
      ]);
      const message = await store.outbox.getMessage(carrier);
      expect(message).to.include({ kind: 'digest', subscriberId: 's-1', channel: 'email', dedupeKey: 'digest:daily:2026-05-01:s-1:email', urgent: false });
      expect(message?.payload).to.deep.equal({ kind: 'digest', frequency: 'daily', runKey: 'daily:2026-05-01', parkItems: [], parkCoveredThrough: null });

      expect(await store.digests.planDigest({ runKey: 'weekly:2026-04-27', frequency: 'weekly', slotAt: t(2), at: t(5), parkFirstWindowStart: WEEK_BEFORE })).to.deep.equal({
        created: 1,
        alreadyRan: false,
      });

      const claimed = await store.deliveryLeases.claim({ channel: 'email', now: t(6), leaseUntil: t(10), owner: 'w1', limit: 10 });
      const own = claimed.find((w) => w.source === 'message' && w.message.id === carrier);
      if (!own) throw new Error('the digest was not claimable');
      await store.deliveryLeases.recordOutcomes({ owner: 'w1', at: t(7), outcomes: [outcome(refOf(own))] });
      expect((await store.digests.listByMessage(carrier)).map((d) => [d.status, d.sentAt])).to.deep.equal([
        ['sent', t(7)],
        ['sent', t(7)],
      ]);
    });

    it('folds what park members were matched to into one park group digest per run, from where the last one stopped', async () => {
      await store.subscribers.insert({ subscriber: subscriber('park-1', { kind: 'park', contacts: [contact('c-park', 'wechat', '园区企业服务群')] }), tokenHash: 'h-park' });
      await store.subscribers.insert({ subscriber: subscriber('park-mute', { kind: 'park', contacts: [contact('c-mute', 'wechat', '失效群', { invalidAt: t(0) })] }), tokenHash: 'h-mute' });
      await store.subscribers.insert({ subscriber: subscriber('m-1', { parkId: 'park-1' }), tokenHash: 'h-m1' });
      await store.subscribers.insert({ subscriber: subscriber('m-2', { parkId: 'park-1' }), tokenHash: 'h-m2' });
      await store.subscribers.insert({ subscriber: subscriber('m-mute', { parkId: 'park-mute' }), tokenHash: 'h-mm' });
      await store.outbox.enqueue([row('m-1', { policyId: 'p-a' }), row('m-2', { policyId: 'p-a' }), row('m-1', { policyId: 'p-b' }), row('m-mute', { policyId: 'p-a' }), row('x-1', { policyId: 'p-c' })], t(0));

      const parkMessages = async (at: number) => {
        const claimed = await store.deliveryLeases.claim({ channel: 'wechat', now: t(at), leaseUntil: t(at + 5), owner: 'w-park', limit: 10 });
        await store.deliveryLeases.recordOutcomes({ owner: 'w-park', at: t(at), outcomes: claimed.map((w) => outcome(refOf(w), { channel: 'wechat', account: 'bot' })) });
        return claimed.flatMap((w) => (w.source === 'message' ? [w.message] : []));
      };

      expect(await store.digests.planDigest({ runKey: 'daily:d1', frequency: 'daily', slotAt: t(1), at: t(1), parkFirstWindowStart: WEEK_BEFORE })).to.deep.equal({ created: 1, alreadyRan: false });
      const [first] = await parkMessages(2);
      expect(first).to.include({ subscriberId: 'park-1', kind: 'digest', channel: 'wechat', dedupeKey: 'digest:daily:d1:park-1:wechat' });
      expect(first?.payload).to.deep.include({
        kind: 'digest',
        parkItems: [
          { policyId: 'p-a', version: 1, memberIds: ['m-1', 'm-2'] },
          { policyId: 'p-b', version: 1, memberIds: ['m-1'] },
        ],
      });

      // Nothing new for the park: no message.
      expect(await store.digests.planDigest({ runKey: 'daily:d2', frequency: 'daily', slotAt: t(3), at: t(3), parkFirstWindowStart: WEEK_BEFORE })).to.deep.equal({ created: 0, alreadyRan: false });

      // New matches are listed in the park's own daily digest when it has one.
      await store.outbox.enqueue([row('m-2', { policyId: 'p-d' }), row('park-1', { policyId: 'p-own', channel: 'wechat', frequency: 'daily' })], t(4));
      expect(await store.digests.planDigest({ runKey: 'daily:d3', frequency: 'daily', slotAt: t(5), at: t(5), parkFirstWindowStart: WEEK_BEFORE })).to.deep.equal({ created: 1, alreadyRan: false });
      const [own] = await parkMessages(6);
      expect(own).to.include({ dedupeKey: 'digest:daily:d3:park-1:wechat' });
      expect(own?.payload).to.deep.include({ parkItems: [{ policyId: 'p-d', version: 1, memberIds: ['m-2'] }] });
      expect((await store.digests.listByMessage(own?.id ?? -1)).map((d) => d.policyId)).to.deep.equal(['p-own']);
    });

    it('queues each deadline reminder once, for the subscribers a version reached, unless they opted out', async () => {
      for (const id of ['s-reached', 's-opted-out']) await store.subscribers.insert({ subscriber: subscriber(id), tokenHash: `h-${id}` });
      await store.outbox.enqueue([row('s-reached'), row('s-skipped'), row('s-opted-out'), row('s-other', { version: 2 })], t(0));
      await store.pushSettings.setPreferences({ subscriberId: 's-opted-out', preferences: { deadlineReminders: false }, at: t(0) });
      expect(await store.pushSettings.getPreferences('s-opted-out')).to.deep.equal({ deadlineReminders: false });
      expect(await store.pushSettings.getPreferences('s-reached')).to.deep.equal({ deadlineReminders: true });
      const claimed = await store.deliveryLeases.claim({ channel: 'email', now: t(1), leaseUntil: t(5), owner: 'w1', limit: 10 });
      await store.deliveryLeases.recordOutcomes({
        owner: 'w1',
        at: t(2),
        outcomes: claimed.map((w) =>
          w.source === 'delivery' && w.delivery.subscriberId === 's-skipped' ? outcome(refOf(w), { outcome: 'skipped', errorClass: 'unsubscribed' }) : outcome(refOf(w)),
        ),
      });

      const remind = (daysBefore: number, at: number) => store.outbox.enqueueReminders({ policyId: 'p-1', version: 1, daysBefore, closesAt: '2026-05-08', at: t(at) });
      expect(await remind(7, 3)).to.deep.equal({ inserted: 1 });
      expect(await remind(7, 4)).to.deep.equal({ inserted: 0 });
      expect(await remind(1, 5)).to.deep.equal({ inserted: 1 });
      const reminders = await store.deliveryLeases.claim({ channel: 'email', now: t(6), leaseUntil: t(10), owner: 'w1', limit: 10 });
      const reached = await deliveryOf('p-1', 's-reached');
      expect(
        reminders.map((w) => (w.source === 'message' ? { kind: w.message.kind, urgent: w.message.urgent, policyId: w.message.policyId, version: w.message.version, payload: w.message.payload } : null)),
      ).to.deep.equal([
        { kind: 'reminder', urgent: true, policyId: 'p-1', version: 1, payload: { kind: 'reminder', daysBefore: 7, closesAt: '2026-05-08', subscriptionIds: ['sub-s-reached'], deliveryId: reached.id } },
        { kind: 'reminder', urgent: true, policyId: 'p-1', version: 1, payload: { kind: 'reminder', daysBefore: 1, closesAt: '2026-05-08', subscriptionIds: ['sub-s-reached'], deliveryId: reached.id } },
      ]);
      expect((await store.deliveryLog.policyLog({ policyId: 'p-1', version: 1 })).reminders).to.deep.equal([{ channel: 'email', status: 'sending', count: 2 }]);
    });

    it('queues one confirmation per unconfirmed, valid e-mail contact, within the limit', async () => {
      await store.subscribers.insert({
        subscriber: subscriber('s-1', {
          contacts: [
            contact('c-a', 'email', 'a@example.cn', { confirmedAt: null }),
            contact('c-b', 'email', 'b@example.cn', { confirmedAt: null }),
            contact('c-ok', 'email', 'ok@example.cn'),
            contact('c-bad', 'email', 'bad@example.cn', { confirmedAt: null, invalidAt: t(0) }),
            contact('c-wx', 'wechat', '张三', { confirmedAt: null }),
          ],
        }),
        tokenHash: 'h-1',
      });
      await store.subscribers.insert({ subscriber: subscriber('s-2', { contacts: [contact('c-c', 'email', 'c@example.cn', { confirmedAt: null })] }), tokenHash: 'h-2' });
      expect(await store.outbox.enqueueConfirmations({ at: t(1), limit: 2 })).to.deep.equal({ inserted: 2 });
      expect(await store.outbox.enqueueConfirmations({ at: t(2), limit: 2 })).to.deep.equal({ inserted: 1 });
      expect(await store.outbox.enqueueConfirmations({ at: t(3), limit: 2 })).to.deep.equal({ inserted: 0 });
      const claimed = await store.deliveryLeases.claim({ channel: 'email', now: t(4), leaseUntil: t(8), owner: 'w1', limit: 10 });
      const confirmations = claimed.flatMap((w) => (w.source === 'message' ? [w.message] : []));
      expect(confirmations.map((m) => m.contactId).sort()).to.deep.equal(['c-a', 'c-b', 'c-c']);
      for (const m of confirmations) {
        expect(m).to.include({ kind: 'confirmation', urgent: true, dedupeKey: `confirm:${m.contactId}` });
        expect(m.payload).to.deep.include({ kind: 'confirmation', contactId: m.contactId });
      }
    });

    it('keeps channel controls, lane reports and preferences', async () => {
      expect(await store.pushSettings.listControls()).to.deep.equal([]);
      await store.pushSettings.setControl({ channel: 'wechat', paused: true, reason: '维护', by: 'admin', at: t(1) });
      await store.pushSettings.setControl({ channel: 'email', paused: false, reason: null, by: 'admin', at: t(1) });
      await store.pushSettings.setControl({ channel: 'wechat', paused: false, reason: null, by: 'ops', at: t(2) });
      expect(await store.pushSettings.listControls()).to.deep.equal([
        { channel: 'email', paused: false, reason: null, updatedBy: 'admin', updatedAt: t(1) },
        { channel: 'wechat', paused: false, reason: null, updatedBy: 'ops', updatedAt: t(2) },
      ]);

      const lane = { channel: 'email' as const, state: 'running' as const, reason: null, account: 'smtp', dryRun: false };
      await store.deliveryLeases.reportLane({ ...lane, owner: 'host-a:1', updatedAt: t(1) });
      await store.deliveryLeases.reportLane({ ...lane, owner: 'host-b:2', updatedAt: t(1) });
      await store.deliveryLeases.reportLane({ ...lane, owner: 'host-a:1', state: 'paused', reason: '未登录', updatedAt: t(5) });
      expect(await store.deliveryLeases.listLanes({ since: t(3) })).to.deep.equal([{ ...lane, owner: 'host-a:1', state: 'paused', reason: '未登录', updatedAt: t(5) }]);
      expect((await store.deliveryLeases.listLanes({ since: t(0) })).map((l) => l.owner)).to.deep.equal(['host-a:1', 'host-b:2']);

      await store.subscribers.insert({ subscriber: subscriber('s-1'), tokenHash: 'h-1' });
      await store.pushSettings.setPreferences({ subscriberId: 's-1', preferences: { deadlineReminders: false }, at: t(1) });
      await store.pushSettings.setPreferences({ subscriberId: 's-1', preferences: { deadlineReminders: true }, at: t(2) });
      expect(await store.pushSettings.getPreferences('s-1')).to.deep.equal({ deadlineReminders: true });
    });

    it('lists deliveries for staff by policy, channel, status, park and date, in stable keyset pages with masked contacts', async () => {
      await store.subscribers.insert({ subscriber: subscriber('park-1', { kind: 'park', name: '张江园区', contacts: [contact('c-park', 'wecom_robot', '张江企业服务群')] }), tokenHash: 'h-park' });
      await store.subscribers.insert({ subscriber: subscriber('s-a', { name: '甲公司', parkId: 'park-1', contacts: [contact('c-a', 'email', 'zhang@example.com'), contact('c-a2', 'wechat_oa', 'oAbCdEfGhIjKlMnOpQrSt')] }), tokenHash: 'h-a' });
      await store.subscribers.insert({ subscriber: subscriber('s-b', { name: '乙公司', contacts: [contact('c-b', 'email', 'li@example.org')] }), tokenHash: 'h-b' });
      await store.outbox.enqueue([row('s-a'), row('s-b'), row('s-a', { channel: 'wechat_oa' })], t(0));
      await store.outbox.enqueue([row('park-1', { channel: 'wecom_robot', frequency: 'daily' })], t(1));
      await store.outbox.enqueue([row('s-a', { policyId: 'p-2' }), row('s-b', { policyId: 'p-1', version: 2 })], t(2 * 24 * 60));
      const claimed = await store.deliveryLeases.claim({ channel: 'email', now: t(5), leaseUntil: t(6), owner: 'w1', limit: 2 });
      const [first, second] = claimed.map(refOf);
      if (!first || !second) throw new Error('expected two claimed deliveries');
      await store.deliveryLeases.recordOutcomes({ owner: 'w1', at: t(5), outcomes: [outcome(first), outcome(second, { outcome: 'failed_permanent', errorClass: 'recipient_rejected', response: '550 no such user' })] });

      const all = await store.deliveryLog.listDeliveries({ filter: {}, limit: 200 });
      expect(all.more).to.equal(false);
      expect(all.rows).to.have.length(6);
      const ids = all.rows.map((r) => r.id);
      expect(ids).to.deep.equal([...ids].sort((a, b) => b - a));

      const policyOne = await store.deliveryLog.listDeliveries({ filter: { policyId: 'p-1', version: 1 }, limit: 200 });
      expect(policyOne.rows.map((r) => `${r.subscriberId}:${r.channel}`).sort()).to.deep.equal(['park-1:wecom_robot', 's-a:email', 's-a:wechat_oa', 's-b:email']);
      const emailA = policyOne.rows.find((r) => r.subscriberId === 's-a' && r.channel === 'email');
      expect(emailA).to.include({ subscriberName: '甲公司', subscriberKind: 'enterprise', contact: 'z***@example.com' });
      expect(policyOne.rows.find((r) => r.channel === 'wechat_oa')?.contact).to.equal('oAbC…QrSt');
      expect(policyOne.rows.find((r) => r.channel === 'wecom_robot')).to.include({ contact: '张江企业服务群', subscriberKind: 'park', frequency: 'daily', status: 'pending' });

      const failed = await store.deliveryLog.listDeliveries({ filter: { status: 'failed_permanent' }, limit: 200 });
      expect(failed.rows).to.have.length(1);
      expect(failed.rows[0]).to.include({ errorClass: 'recipient_rejected', attempts: 1 });
      const sent = await store.deliveryLog.listDeliveries({ filter: { status: 'sent', channel: 'email' }, limit: 200 });
      expect(sent.rows).to.have.length(1);
      expect(sent.rows[0]?.sentAt).to.equal(t(5));
      expect((await store.deliveryLog.listDeliveries({ filter: { channel: 'wechat_oa' }, limit: 200 })).rows.map((r) => r.subscriberId)).to.deep.equal(['s-a']);

      const park = await store.deliveryLog.listDeliveries({ filter: { parkId: 'park-1' }, limit: 200 });
      expect([...new Set(park.rows.map((r) => r.subscriberId))].sort()).to.deep.equal(['park-1', 's-a']);

      const later = await store.deliveryLog.listDeliveries({ filter: { since: t(24 * 60) }, limit: 200 });
      expect(later.rows.map((r) => r.policyId + ':' + r.version).sort()).to.deep.equal(['p-1:2', 'p-2:1']);
      const earlier = await store.deliveryLog.listDeliveries({ filter: { until: t(24 * 60) }, limit: 200 });
      expect(earlier.rows).to.have.length(4);

      const page1 = await store.deliveryLog.listDeliveries({ filter: {}, limit: 4 });
      expect(page1.more).to.equal(true);
      expect(page1.rows.map((r) => r.id)).to.deep.equal(ids.slice(0, 4));
      const lastOfPage1 = page1.rows[3];
      if (!lastOfPage1) throw new Error('expected a full first page');
      const page2 = await store.deliveryLog.listDeliveries({ filter: {}, after: lastOfPage1.id, limit: 4 });
      expect(page2.more).to.equal(false);
      expect(page2.rows.map((r) => r.id)).to.deep.equal(ids.slice(4));
      const firstOfPage2 = page2.rows[0];
      if (!firstOfPage2) throw new Error('expected a second page');
      const back = await store.deliveryLog.listDeliveries({ filter: {}, before: firstOfPage2.id, limit: 4 });
      expect(back.more).to.equal(false);
      expect(back.rows.map((r) => r.id)).to.deep.equal(ids.slice(0, 4));
      const backShort = await store.deliveryLog.listDeliveries({ filter: {}, before: firstOfPage2.id, limit: 2 });
      expect(backShort.more).to.equal(true);
      expect(backShort.rows.map((r) => r.id)).to.deep.equal(ids.slice(2, 4));
    });

    it('reports the delivery log, queue depth and attempt totals', async () => {
      await store.outbox.enqueue([row('s-sent'), row('s-bad'), row('s-wait', { frequency: 'daily' }), row('s-v2', { version: 2 })], t(0));
      const claimed = await store.deliveryLeases.claim({ channel: 'email', now: t(1), leaseUntil: t(5), owner: 'w1', limit: 10 });
      await store.deliveryLeases.recordOutcomes({
        owner: 'w1',
        at: t(2),
        outcomes: claimed.flatMap((w) => {
          if (w.source !== 'delivery') return [];
          if (w.delivery.subscriberId === 's-sent') return [outcome(refOf(w), { dryRun: true })];
          if (w.delivery.subscriberId === 's-bad') return [outcome(refOf(w), { outcome: 'failed_permanent', errorClass: 'recipient_rejected', response: '550' })];
          return [];
        }),
      });
      const sent = await deliveryOf('p-1', 's-sent');
      await store.pushSettings.recordUnsubscribe({ subscriberId: 's-sent', scope: 'subscription', subscriptionIds: ['sub-s-sent'], origin: { source: 'delivery', id: sent.id }, source: 'header', at: t(3) });
      await store.pushSettings.recordUnsubscribe({ subscriberId: 's-bad', scope: 'all', subscriptionIds: [], origin: null, source: 'api', at: t(3) });

      const log = await store.deliveryLog.policyLog({ policyId: 'p-1', version: 1 });
      expect(log.counts).to.deep.equal([
        { channel: 'email', status: 'failed_permanent', count: 1, dryRun: 0 },
        { channel: 'email', status: 'pending', count: 1, dryRun: 0 },
        { channel: 'email', status: 'sent', count: 1, dryRun: 1 },
      ]);
      expect(log.failures.map((d) => [d.subscriberId, d.status, d.errorClass, d.lastError])).to.deep.equal([['s-bad', 'failed_permanent', 'recipient_rejected', '550']]);
      expect(log.byErrorClass).to.deep.equal([{ errorClass: 'recipient_rejected', count: 1 }]);
      expect(log.unsubscribes).to.deep.equal([{ scope: 'subscription', count: 1 }]);
      expect(log.reminders).to.deep.equal([]);

      const depth = await store.deliveryLog.queueStats();
      expect(depth.filter((d) => d.channel === 'email').sort((a, b) => a.status.localeCompare(b.status))).to.deep.equal([
        { channel: 'email', status: 'pending', count: 1 },
        { channel: 'email', status: 'sending', count: 1 },
      ]);
      const totals = (await store.deliveryLog.attemptTotals()).sort((a, b) => a.outcome.localeCompare(b.outcome));
      expect(totals).to.deep.equal([
        { channel: 'email', outcome: 'failed_permanent', errorClass: 'recipient_rejected', count: 1 },
        { channel: 'email', outcome: 'sent', errorClass: null, count: 1 },
      ]);

      const page = await store.outbox.listForPolicy({ policyId: 'p-1', version: 1, limit: 2, offset: 1 });
      expect(page.total).to.equal(3);
      expect(page.items.map((d) => d.subscriberId)).to.deep.equal(['s-bad', 's-wait']);
      expect((await store.outbox.listForPolicy({ policyId: 'p-1', limit: 10, offset: 0 })).total).to.equal(4);
      expect(await store.outbox.countForPolicy({ policyId: 'p-1', version: 2 })).to.equal(1);
      await store.outbox.enqueue([row('s-sent', { policyId: 'p-2' })], t(4));
      expect((await store.outbox.listForSubscriber({ subscriberId: 's-sent', limit: 10 })).map((d) => d.policyId)).to.deep.equal(['p-2', 'p-1']);
      expect(await store.deliveryLog.listAttempts({ deliveryIds: [], messageIds: [] })).to.deep.equal([]);
    });
  });
}
