import type { DeliveryStatus, ParkDigestItem, PushMessagePayload } from '../../schemas/delivery.schema.js';
import type { Contact } from '../../schemas/subscriber.schema.js';
import { isReachableContact } from '../subscribers/reachable-contact.js';
import { digestDedupeKey } from './digest-plan.js';

/** A park's digest goes to its WeChat group(s); parks only get one when a group is reachable. */
export function hasReachableParkGroup(contacts: readonly Pick<Contact, 'channel' | 'confirmedAt' | 'invalidAt'>[]): boolean {
  return contacts.some((contact) => contact.channel === 'wechat' && isReachableContact(contact));
}

export function parkDigestDedupeKey({ runKey, parkId }: { runKey: string; parkId: string }): string {
  return digestDedupeKey({ runKey, subscriberId: parkId, channel: 'wechat' });
}

/** The outbox rows of the park's members a run looks at. */
export interface ParkWindow {
  /** Rows after this id (the previous park digest's watermark, 0 for the first). */
  afterId: number;
  /** Up to the run's bound: rows written later wait for the next run. */
  throughId: number;
  /** The first park digest looks back a bounded time only, so a new group is not flooded with history. */
  createdSince: string | null;
}

/** The watermark a park digest payload carries, if it is a park digest. */
export function coveredThrough(payload: PushMessagePayload | null | undefined): number | null {
  return payload?.kind === 'digest' ? payload.parkCoveredThrough : null;
}

export function parkWindow({ previousCoveredThrough, maxId, parkFirstWindowStart }: { previousCoveredThrough: number | null; maxId: number; parkFirstWindowStart: string }): ParkWindow {
  if (previousCoveredThrough === null) return { afterId: 0, throughId: maxId, createdSince: parkFirstWindowStart };
  return { afterId: previousCoveredThrough, throughId: maxId, createdSince: null };
}

/** A member enterprise's outbox row in the park's window. */
export interface MemberDelivery {
  id: number;
  policyId: string;
  version: number;
  subscriberId: string;
  status: DeliveryStatus;
}

function compareText(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/**
 * What the park's group is told: each policy once, in the newest version a member was matched to,
 * with the members it concerns. Rows the outbox skipped (superseded, unsubscribed) are left out.
 */
export function foldParkItems(rows: readonly MemberDelivery[]): ParkDigestItem[] {
  const sorted = rows.filter((row) => row.status !== 'skipped').sort((a, b) => compareText(a.policyId, b.policyId) || b.version - a.version || a.id - b.id);
  const items = new Map<string, ParkDigestItem>();
  for (const row of sorted) {
    const item = items.get(row.policyId);
    if (!item) items.set(row.policyId, { policyId: row.policyId, version: row.version, memberIds: [row.subscriberId] });
    else if (!item.memberIds.includes(row.subscriberId)) item.memberIds.push(row.subscriberId);
  }
  return [...items.values()];
}

export function parkDigestPayload({ runKey, parkItems, maxId }: { runKey: string; parkItems: ParkDigestItem[]; maxId: number }): PushMessagePayload {
  return { kind: 'digest', frequency: 'daily', runKey, parkItems, parkCoveredThrough: maxId };
}

/**
 * Where the park items go: folded into the park's own digest of this run when it has one, a digest
 * of their own otherwise (only when there is something to tell). A park digest of this run that
 * carries a watermark already was planned by an earlier, interrupted attempt.
 */
export function parkDigestAction({ own, parkItems }: { own: { payload: PushMessagePayload } | null; parkItems: readonly ParkDigestItem[] }): 'fold' | 'create' | 'none' {
  if (own) return coveredThrough(own.payload) === null ? 'fold' : 'none';
  return parkItems.length > 0 ? 'create' : 'none';
}

/** Parks done by an earlier attempt of the same run are skipped before reading their members. */
export function parkDigestPlanned(own: { payload: PushMessagePayload } | null): boolean {
  return own !== null && coveredThrough(own.payload) !== null;
}
