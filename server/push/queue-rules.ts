import type { AttemptOutcome, DeliveryStatus, ErrorClass, SendOutcome } from '../../schemas/delivery.schema.js';

/** Statuses the dispatcher may claim. */
export const CLAIMABLE_STATUSES: readonly DeliveryStatus[] = ['pending', 'failed_temporary'];
/** Statuses no later result may change. */
export const FINAL_STATUSES: readonly DeliveryStatus[] = ['sent', 'delivered', 'failed_permanent', 'skipped'];
/** Statuses counted as queue depth. */
export const OPEN_STATUSES: readonly DeliveryStatus[] = ['pending', 'sending', 'failed_temporary'];
/** Outbox rows reminders are sent for: every one that was not dropped. */
export const REMINDER_EXCLUDED_STATUSES: readonly DeliveryStatus[] = ['skipped', 'failed_permanent'];

export const LEASE_EXPIRED_TEXT = '租约过期：工作进程中断或超时，已重新排队';
/** Provider responses are kept for diagnosis, bounded. */
export const ATTEMPT_RESPONSE_MAX = 1000;

/** The order of the dispatcher's queue: urgent first, then the oldest due, then the oldest row. */
export interface QueueKey {
  urgent: boolean;
  due: string;
  id: number;
}

export function compareQueueKeys(a: QueueKey, b: QueueKey): number {
  return Number(b.urgent) - Number(a.urgent) || a.due.localeCompare(b.due) || a.id - b.id;
}

/** An item whose lease expired goes back to the queue until it has used up its attempts. */
export function leaseExpiry({ attempts, maxAttempts }: { attempts: number; maxAttempts: number }): { status: 'pending' | 'failed_permanent'; errorClass: 'lease_expired' | 'attempts_exhausted' } {
  return attempts >= maxAttempts ? { status: 'failed_permanent', errorClass: 'attempts_exhausted' } : { status: 'pending', errorClass: 'lease_expired' };
}

/**
 * What a send result writes on the item: a sent item keeps no error and records when it went.
 * `sentAt` null means "leave the stored value", so a late failure never erases a recorded send.
 */
export function outcomeFields({ outcome, at }: { outcome: SendOutcome; at: string }): {
  status: SendOutcome['outcome'];
  lastError: string | null;
  errorClass: ErrorClass | null;
  nextAttemptAt: string | null;
  dryRun: boolean;
  sentAt: string | null;
} {
  const sent = outcome.outcome === 'sent';
  return { status: outcome.outcome, lastError: sent ? null : outcome.response, errorClass: outcome.errorClass, nextAttemptAt: outcome.nextAttemptAt, dryRun: outcome.dryRun, sentAt: sent ? at : null };
}

/** A digest's final result settles the deliveries it carried; a retry leaves them waiting with it. */
export function settlesCarriedDeliveries(status: DeliveryStatus | AttemptOutcome): boolean {
  return status === 'sent' || status === 'failed_permanent';
}

export function attemptResponse(response: string | null): string | null {
  return response === null ? null : response.slice(0, ATTEMPT_RESPONSE_MAX);
}
