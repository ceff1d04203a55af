import { expect } from 'chai';
import type { Explanation, NewDelivery, SendOutcome, WorkRef } from '../../schemas/delivery.schema.js';
import type { Channel, Subscriber } from '../../schemas/subscriber.schema.js';
import type { Store } from '../../server/ports/store.port.js';

/** Minutes after a fixed instant, so every ordering in these cases is explicit. */
const t = (minutes: number) => new Date(Date.parse('2026-05-01T00:00:00.000Z') + minutes * 60_000).toISOString();
const DAY = 24 * 60;

function subscriber(id: string, overrides: Partial<Subscriber> = {}): Subscriber {
  return { id, kind: 'enterprise', name: `企业${id}`, creditCode: null, profile: {}, parkId: null, contacts: [], createdAt: t(0), updatedAt: t(0), revision: 1, ...overrides };
}

function explanation({ tags, unknown = [] }: { tags: Explanation['subscriptions'][number]['matchedTags']; unknown?: Explanation['unknown'] }): Explanation {
  return { eligible: true, eligibility: {}, unknown, subscriptions: [{ subscriptionId: 'sub-1', matchedTags: tags, matchedKeywords: [] }] };
}

function row({ policyId, subscriberId, channel = 'email', explanation: why }: { policyId: string; subscriberId: string; channel?: Channel; explanation: Explanation }): NewDelivery {
  return { policyId, version: 1, subscriberId, channel, frequency: 'immediate', subscriptionIds: ['sub-1'], explanation: why, urgent: false };
}

function sent(ref: WorkRef, overrides: Partial<SendOutcome> = {}): SendOutcome {
  return { ref, channel: 'email', outcome: 'sent', attempt: 1, errorClass: null, response: null, account: 'smtp-a', dryRun: false, durationMs: 10, nextAttemptAt: null, ...overrides };
}

/**
 * Opens and 与我无关 feedback of pushes and the statistics read over them, as every store adapter must
 * behave: one record of each per push by a unique key, counts per policy, channel, tag and park
 * computed by the engine, and retention by deletion.
 */
export function pushTrackingContract({ name, create }: { name: string; create: () => Promise<Store> }): void {
  describe(`Push tracking contract: ${name}`, () => {
    let store: Store;
    const ids = new Map<string, number>();
    const ref = (key: string): WorkRef => ({ source: 'delivery', id: ids.get(key) ?? -1 });
    const window = { since: t(0), until: t(30 * DAY) };

    beforeEach(async () => {
      store = await create();
      await store.migrate();
      await store.subscribers.insert({ subscriber: subscriber('park-1', { kind: 'park', name: '张江园区' }), tokenHash: 'h-park' });
      await store.subscribers.insert({ subscriber: subscriber('e-1', { parkId: 'park-1' }), tokenHash: 'h-1' });
      await store.subscribers.insert({ subscriber: subscriber('e-2'), tokenHash: 'h-2' });
      await store.subscribers.insert({ subscriber: subscriber('e-3', { parkId: 'park-1' }), tokenHash: 'h-3' });
      await store.outbox.enqueue(
        [
          row({ policyId: 'p-1', subscriberId: 'e-1', explanation: explanation({ tags: { need: ['need-pledge'] }, unknown: ['size'] }) }),
          row({ policyId: 'p-1', subscriberId: 'e-2', explanation: explanation({ tags: { need: ['need-pledge'], industry: ['ind-bio'] } }) }),
          row({ policyId: 'p-1', subscriberId: 'e-3', explanation: explanation({ tags: { industry: ['ind-bio'] }, unknown: ['size', 'region'] }) }),
          row({ policyId: 'p-2', subscriberId: 'e-1', channel: 'wechat', explanation: explanation({ tags: { need: ['need-pledge'] } }) }),
          row({ policyId: 'p-3', subscriberId: 'e-2', explanation: explanation({ tags: { need: ['need-pledge'] } }) }),
        ],
        t(0),
      );
      for (const [policyId, subscriberId] of [['p-1', 'e-1'], ['p-1', 'e-2'], ['p-1', 'e-3'], ['p-2', 'e-1'], ['p-3', 'e-2']] as const) {
        const { deliveries } = await store.deliveryLog.listForPolicySubscriber({ policyId, subscriberId });
        const delivery = deliveries[0];
        if (!delivery) throw new Error(`no delivery ${policyId} ${subscriberId}`);
        ids.set(`${policyId}/${subscriberId}`, delivery.id);
      }
      await store.deliveryLeases.claim({ channel: 'email', now: t(5), leaseUntil: t(9), owner: 'w1', limit: 10 });
      await store.deliveryLeases.claim({ channel: 'wechat', now: t(5), leaseUntil: t(9), owner: 'w1', limit: 10 });
      await store.deliveryLeases.recordOutcomes({ owner: 'w1', at: t(10), outcomes: [sent(ref('p-1/e-1')), sent(ref('p-1/e-2'))] });
      await store.deliveryLeases.recordOutcomes({ owner: 'w1', at: t(20), outcomes: [sent(ref('p-1/e-3'))] });
      // A dry run was rendered, not sent; a failed push reached nobody: neither counts as delivered.
      await store.deliveryLeases.recordOutcomes({ owner: 'w1', at: t(10), outcomes: [sent(ref('p-2/e-1'), { channel: 'wechat', account: 'bot', dryRun: true })] });
      await store.deliveryLeases.recordOutcomes({ owner: 'w1', at: t(10), outcomes: [sent(ref('p-3/e-2'), { outcome: 'failed_permanent', errorClass: 'recipient_rejected' })] });
    });
    afterEach(async () => store.close());

    it('keeps the first open of a push: a later open changes nothing', async () => {
      expect(await store.pushTracking.recordOpen({ ref: ref('p-1/e-1'), at: t(30) })).to.equal(true);
      expect(await store.pushTracking.recordOpen({ ref: ref('p-1/e-1'), at: t(40) })).to.equal(false);
      expect(await store.pushTracking.getOpen(ref('p-1/e-1'))).to.deep.equal({ openedAt: t(30) });
      expect(await store.pushTracking.getOpen(ref('p-1/e-2'))).to.equal(null);
      // A message (reminder, park group digest) is a push of its own, keyed apart from deliveries.
      expect(await store.pushTracking.recordOpen({ ref: { source: 'message', id: ids.get('p-1/e-1') ?? 0 }, at: t(41) })).to.equal(true);
      expect(await store.pushTracking.getOpen(ref('p-1/e-1'))).to.deep.equal({ openedAt: t(30) });
    });

    it('keeps the first 与我无关 of a push with its reasons and note', async () => {
      expect(await store.pushTracking.recordFeedback({ ref: ref('p-1/e-3'), reasons: ['industry', 'industry', 'size'], note: '我们不是生物医药企业', at: t(50) })).to.equal(true);
      expect(await store.pushTracking.recordFeedback({ ref: ref('p-1/e-3'), reasons: ['other'], note: null, at: t(60) })).to.equal(false);
      expect(await store.pushTracking.getFeedback(ref('p-1/e-3'))).to.deep.equal({ reasons: ['industry', 'size'], note: '我们不是生物医药企业', recordedAt: t(50) });
      expect(await store.pushTracking.getFeedback(ref('p-1/e-1'))).to.equal(null);
    });

    it('reads back the delivery a link names', async () => {
      const delivery = await store.pushTracking.deliveryOf(ref('p-1/e-2').id);
      expect(delivery).to.include({ policyId: 'p-1', subscriberId: 'e-2', status: 'sent' });
      expect(await store.pushTracking.deliveryOf(999_999)).to.equal(null);
    });

    describe('statistics', () => {
      beforeEach(async () => {
        await store.pushTracking.recordOpen({ ref: ref('p-1/e-1'), at: t(30) }); // 20 minutes after sending
        await store.pushTracking.recordOpen({ ref: ref('p-1/e-2'), at: t(70) }); // 60 minutes after sending
        await store.pushTracking.recordOpen({ ref: ref('p-2/e-1'), at: t(70) }); // a dry run: never counted
        await store.pushTracking.recordFeedback({ ref: ref('p-1/e-3'), reasons: ['industry'], note: null, at: t(50) });
        // e-3 unsubscribed 5 minutes after its push; e-2 eight days after: outside a 7-day follow window.
        await store.pushSettings.recordUnsubscribe({ subscriberId: 'e-3', scope: 'all', subscriptionIds: [], origin: null, source: 'link', at: t(25) });
        await store.pushSettings.recordUnsubscribe({ subscriberId: 'e-2', scope: 'all', subscriptionIds: [], origin: null, source: 'link', at: t(10 + 8 * DAY) });
      });

      it('counts per policy: delivered, opened, 与我无关, unsubscribes that followed and the median time to open', async () => {
        const rows = await store.pushTracking.statistics({ ...window, groupBy: 'policy', followDays: 7, limit: 10 });
        expect(rows).to.deep.equal([{ key: 'p-1', delivered: 3, opened: 2, irrelevant: 1, unsubscribedAfter: 1, medianOpenSeconds: 2400 }]);
        const longer = await store.pushTracking.statistics({ ...window, groupBy: 'policy', followDays: 9, limit: 10 });
        expect(longer[0]?.unsubscribedAfter).to.equal(2);
        expect(await store.pushTracking.totals({ ...window, followDays: 7 })).to.deep.equal({ key: 'all', delivered: 3, opened: 2, irrelevant: 1, unsubscribedAfter: 1, medianOpenSeconds: 2400 });
      });

      it('counts per channel, per park (the park of the enterprise) and per matched tag', async () => {
        expect(await store.pushTracking.statistics({ ...window, groupBy: 'channel', followDays: 7, limit: 10 })).to.deep.equal([
          { key: 'email', delivered: 3, opened: 2, irrelevant: 1, unsubscribedAfter: 1, medianOpenSeconds: 2400 },
        ]);
        expect(await store.pushTracking.statistics({ ...window, groupBy: 'park', followDays: 7, limit: 10 })).to.deep.equal([
          { key: 'park-1', delivered: 2, opened: 1, irrelevant: 1, unsubscribedAfter: 1, medianOpenSeconds: 1200 },
          { key: '', delivered: 1, opened: 1, irrelevant: 0, unsubscribedAfter: 0, medianOpenSeconds: 3600 },
        ]);
        expect(await store.pushTracking.statistics({ ...window, groupBy: 'tag', followDays: 7, limit: 10 })).to.deep.equal([
          { key: 'ind-bio', delivered: 2, opened: 1, irrelevant: 1, unsubscribedAfter: 1, medianOpenSeconds: 3600 },
          { key: 'need-pledge', delivered: 2, opened: 2, irrelevant: 0, unsubscribedAfter: 0, medianOpenSeconds: 2400 },
        ]);
      });

      it('counts only the pushes sent inside the window', async () => {
        const late = await store.pushTracking.statistics({ since: t(15), until: t(30 * DAY), groupBy: 'policy', followDays: 7, limit: 10 });
        expect(late).to.deep.equal([{ key: 'p-1', delivered: 1, opened: 0, irrelevant: 1, unsubscribedAfter: 1, medianOpenSeconds: null }]);
        expect(await store.pushTracking.statistics({ since: t(-100), until: t(0), groupBy: 'tag', followDays: 7, limit: 10 })).to.deep.equal([]);
      });

      it('ranks the tag rules and profile gaps that came with 与我无关, and the reasons given', async () => {
        const precision = await store.pushTracking.precision({ ...window, limit: 10 });
        expect(precision.tags).to.deep.equal([
          { key: 'ind-bio', delivered: 2, irrelevant: 1 },
          { key: 'need-pledge', delivered: 2, irrelevant: 0 },
        ]);
        expect(precision.gaps).to.deep.equal([
          { key: 'region', delivered: 1, irrelevant: 1 },
          { key: 'size', delivered: 2, irrelevant: 1 },
        ]);
        expect(precision.reasons).to.deep.equal([{ reason: 'industry', count: 1 }]);
      });

      it('deletes opens and feedback recorded before the retention limit, and nothing newer', async () => {
        expect(await store.pushTracking.purge({ before: t(35) })).to.deep.equal({ opens: 1, feedback: 0 });
        expect(await store.pushTracking.getOpen(ref('p-1/e-1'))).to.equal(null);
        expect(await store.pushTracking.getOpen(ref('p-1/e-2'))).to.deep.equal({ openedAt: t(70) });
        expect(await store.pushTracking.purge({ before: t(100) })).to.deep.equal({ opens: 2, feedback: 1 });
        expect(await store.pushTracking.getFeedback(ref('p-1/e-3'))).to.equal(null);
        expect((await store.pushTracking.totals({ ...window, followDays: 7 })).opened).to.equal(0);
      });
    });
  });
}
