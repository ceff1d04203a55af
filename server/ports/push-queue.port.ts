import type {
  ChannelControl,
  ClaimedWork,
  Delivery,
  DeliveryAttempt,
  NewDelivery,
  PushMessage,
  PushPreferences,
  SendOutcome,
  UnsubscribeScope,
  WorkRef,
} from '../../schemas/delivery.schema.js';
import type { DeliveryStatus } from '../../schemas/delivery.schema.js';
import type { Channel } from '../../schemas/subscriber.schema.js';
import type { Frequency } from '../../schemas/subscription.schema.js';
import type { SubscriberKind } from '../../schemas/subscriber.schema.js';

/** What the staff delivery list filters on; `since` (inclusive) and `until` (exclusive) are instants. */
export interface DeliveryListFilter {
  policyId?: string | undefined;
  version?: number | undefined;
  channel?: Channel | undefined;
  status?: DeliveryStatus | undefined;
  parkId?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
}

/** One row of the staff delivery list: the delivery, whom it is for and the (masked) address. */
export interface DeliveryListRow extends Pick<
  Delivery,
  'id' | 'policyId' | 'version' | 'subscriberId' | 'channel' | 'status' | 'frequency' | 'messageId' | 'nextAttemptAt' | 'leaseUntil' | 'errorClass' | 'lastError' | 'sentAt' | 'attempts' | 'createdAt'
> {
  subscriberName: string;
  subscriberKind: SubscriberKind | null;
  /** The subscriber's first address on the channel, already masked (see push/contact-mask.ts). */
  contact: string | null;
}

export interface LaneReport {
  owner: string;
  channel: Channel;
  state: 'running' | 'paused' | 'stopped';
  reason: string | null;
  account: string | null;
  dryRun: boolean;
  updatedAt: string;
}

/**
 * The push side of the store, split along its work: what is queued (outbox), who works on it
 * (leases), how waiting rows become digests, what happened (log) and what subscribers and staff set
 * (settings). Every store adapter implements each part; each method that writes several rows is
 * atomic inside the adapter. The rules (digest planning, park digests, lease expiry, message keys)
 * are domain modules in server/push/; adapters only read and write.
 */

/** What is queued: immediate and digest deliveries, reminder and confirmation messages. */
export interface OutboxRepository {
  /**
   * Inserts outbox rows in one transaction, skipping any (policy version, subscriber, channel) that
   * exists already: re-running a match writes nothing twice. Returns how many rows were new.
   */
  enqueue(rows: NewDelivery[], at: string): Promise<{ inserted: number }>;
  listForPolicy(input: { policyId: string; version?: number; limit: number; offset: number }): Promise<{ total: number; items: Delivery[] }>;
  listForSubscriber(input: { subscriberId: string; limit: number }): Promise<Delivery[]>;
  countForPolicy(input: { policyId: string; version: number }): Promise<number>;
  getMessage(id: number): Promise<PushMessage | null>;
  /** Reminder messages for every subscriber and channel a policy reached, unless they opted out; unique per policy × subscriber × channel × days. */
  enqueueReminders(input: { policyId: string; version: number; daysBefore: number; closesAt: string; at: string }): Promise<{ inserted: number }>;
  /** A confirmation message for each email contact that is neither confirmed nor invalid and has none yet (double opt-in). */
  enqueueConfirmations(input: { at: string; limit: number }): Promise<{ inserted: number }>;
}

/** The dispatcher's work on the queue: claims, results, leases and the lanes that hold them. */
export interface DeliveryLeaseRepository {
  /**
   * Leases up to `limit` due items of one channel — immediate deliveries and messages together,
   * urgent first, then oldest due — in one atomic step, so concurrent workers never share an item.
   * Each claim counts an attempt.
   */
  claim(input: { channel: Channel; now: string; leaseUntil: string; owner: string; limit: number }): Promise<ClaimedWork[]>;
  /**
   * Writes send results and one attempt row each, in one transaction. A row leased by another
   * worker is left alone; a row that went back to the queue still takes a `sent` result, so a
   * message known to be sent is never sent again.
   */
  recordOutcomes(input: { outcomes: SendOutcome[]; owner: string; at: string }): Promise<void>;
  /** Returns leased items to the queue without counting the attempt (graceful shutdown). */
  release(input: { refs: WorkRef[]; owner: string; at: string }): Promise<number>;
  /** Items whose lease expired go back to pending, or fail once they used up their attempts. */
  sweepExpiredLeases(input: { now: string; maxAttempts: number }): Promise<{ requeued: number; failed: number }>;
  /** Pushes out the lease of items still being worked on (slow WeChat pacing). */
  extendLeases(input: { refs: WorkRef[]; owner: string; leaseUntil: string }): Promise<void>;
  /** A worker's lane state (heartbeat), read by /readyz in any process. */
  reportLane(input: LaneReport): Promise<void>;
  /** Lanes that reported since `since`. */
  listLanes(input: { since: string }): Promise<LaneReport[]>;
}

/** Waiting deliveries grouped into digest messages. */
export interface DigestRepository {
  /**
   * One digest run (unique by `runKey`): one message per subscriber and channel holding their
   * waiting deliveries of that frequency (older versions of the same policy are skipped), and, for
   * daily runs, park group digests of what their member enterprises were matched to. All or nothing
   * per planned message; a second call with the same key writes nothing.
   */
  planDigest(input: { runKey: string; frequency: Exclude<Frequency, 'immediate'>; slotAt: string; at: string; parkFirstWindowStart: string }): Promise<{ created: number; alreadyRan: boolean }>;
  /** The deliveries a digest message carries. */
  listByMessage(messageId: number): Promise<Delivery[]>;
}

/** What happened: the delivery log, attempts and the figures metrics and budgets read. */
export interface DeliveryLogRepository {
  /** Figures for the delivery log of one policy version. */
  policyLog(input: { policyId: string; version: number }): Promise<{
    counts: { channel: Channel; status: DeliveryStatus; count: number; dryRun: number }[];
    reminders: { channel: Channel; status: DeliveryStatus; count: number }[];
    failures: Delivery[];
    byErrorClass: { errorClass: string; count: number }[];
    unsubscribes: { scope: UnsubscribeScope; count: number }[];
  }>;
  listForPolicySubscriber(input: { policyId: string; subscriberId: string }): Promise<{ deliveries: Delivery[]; messages: PushMessage[] }>;
  listAttempts(input: { deliveryIds: number[]; messageIds: number[] }): Promise<DeliveryAttempt[]>;
  /** Sends recorded for one account since an instant (daily budgets). */
  countSent(input: { channel: Channel; account: string; since: string }): Promise<number>;
  /** Queue depth per channel and status, across deliveries and messages (metrics). */
  queueStats(): Promise<{ channel: Channel; status: DeliveryStatus; count: number }[]>;
  /**
   * The staff delivery list, newest first (id descending). `after` continues below a row id,
   * `before` goes back above one; `more` tells whether rows remain beyond the page in that direction.
   * The park filter takes the park's confirmed members and the park itself; the date range reads the
   * sending time, or the queueing time of rows not sent.
   */
  listDeliveries(input: { filter: DeliveryListFilter; after?: number; before?: number; limit: number }): Promise<{ rows: DeliveryListRow[]; more: boolean }>;
  /** Attempt totals per channel, outcome and error class: monotonic, so they serve as counters. */
  attemptTotals(): Promise<{ channel: Channel; outcome: string; errorClass: string | null; count: number }[]>;
}

/** What subscribers and staff decide about pushes: preferences, unsubscribes, channel pauses. */
export interface PushSettingsRepository {
  getPreferences(subscriberId: string): Promise<PushPreferences>;
  setPreferences(input: { subscriberId: string; preferences: PushPreferences; at: string }): Promise<void>;
  listControls(): Promise<ChannelControl[]>;
  setControl(input: { channel: Channel; paused: boolean; reason: string | null; by: string; at: string }): Promise<void>;
  recordUnsubscribe(input: {
    subscriberId: string;
    scope: UnsubscribeScope;
    subscriptionIds: string[];
    origin: WorkRef | null;
    source: 'header' | 'link' | 'api';
    at: string;
  }): Promise<void>;
}
