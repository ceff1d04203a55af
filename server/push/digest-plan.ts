import type { PushMessagePayload } from '../../schemas/delivery.schema.js';
import type { Channel } from '../../schemas/subscriber.schema.js';
import type { Frequency } from '../../schemas/subscription.schema.js';

export type DigestFrequency = Exclude<Frequency, 'immediate'>;

/** A delivery waiting for a digest run, as the store reads it. */
export interface WaitingDelivery {
  id: number;
  subscriberId: string;
  channel: Channel;
  policyId: string;
  version: number;
}

/** One digest message: the deliveries it carries and the older versions it makes obsolete. */
export interface DigestGroup {
  subscriberId: string;
  channel: Channel;
  keep: number[];
  superseded: number[];
}

/** How a delivery left out of a digest for a newer version of its policy is settled. */
export const SUPERSEDED_IN_DIGEST = { status: 'skipped', errorClass: 'superseded', lastError: '同一政策已有更新的版本，汇总中只列最新版本' } as const;

function compareText(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/**
 * Groups waiting deliveries into one digest per subscriber and channel. A policy is listed once, in
 * its newest waiting version; older versions are superseded. Groups come in subscriber, channel
 * order and each keeps its deliveries in policy order, whatever order the store read them in.
 */
export function planDigestGroups(rows: readonly WaitingDelivery[]): DigestGroup[] {
  const sorted = [...rows].sort(
    (a, b) => compareText(a.subscriberId, b.subscriberId) || compareText(a.channel, b.channel) || compareText(a.policyId, b.policyId) || b.version - a.version || a.id - b.id,
  );
  const groups: DigestGroup[] = [];
  let current: (DigestGroup & { seen: Set<string> }) | null = null;
  for (const row of sorted) {
    if (!current || current.subscriberId !== row.subscriberId || current.channel !== row.channel) {
      current = { subscriberId: row.subscriberId, channel: row.channel, keep: [], superseded: [], seen: new Set() };
      groups.push(current);
    }
    if (current.seen.has(row.policyId)) current.superseded.push(row.id);
    else {
      current.seen.add(row.policyId);
      current.keep.push(row.id);
    }
  }
  return groups.map(({ subscriberId, channel, keep, superseded }) => ({ subscriberId, channel, keep, superseded }));
}

/** Exactly one digest per run, subscriber and channel: the store's unique key on messages. */
export function digestDedupeKey({ runKey, subscriberId, channel }: { runKey: string; subscriberId: string; channel: Channel }): string {
  return `digest:${runKey}:${subscriberId}:${channel}`;
}

/** A subscriber's own digest: the deliveries it carries are linked to it, not listed in the payload. */
export function digestPayload({ runKey, frequency }: { runKey: string; frequency: DigestFrequency }): PushMessagePayload {
  return { kind: 'digest', frequency, runKey, parkItems: [], parkCoveredThrough: null };
}

/** What the store knows of a run it is asked to plan. */
export interface DigestRunState {
  status: 'running' | 'done';
  leaseUntil: string | null;
}

/**
 * A run is planned once: a finished run, or one another worker holds a live lease on, is left alone;
 * a run whose planner died (lease expired) is resumed. A store that plans a run in one transaction
 * never sees a running run.
 */
export function digestRunDecision({ existing, at }: { existing: DigestRunState | null; at: string }): 'start' | 'resume' | 'skip' {
  if (!existing) return 'start';
  if (existing.status === 'done') return 'skip';
  if (existing.leaseUntil !== null && existing.leaseUntil >= at) return 'skip';
  return 'resume';
}
