import type { PushMessagePayload, PushPreferences } from '../../schemas/delivery.schema.js';
import type { Channel } from '../../schemas/subscriber.schema.js';

/** A subscriber who never chose gets deadline reminders. */
export const DEFAULT_PUSH_PREFERENCES: PushPreferences = { deadlineReminders: true };

export function preferencesOrDefault(stored: PushPreferences | null): PushPreferences {
  return stored ?? DEFAULT_PUSH_PREFERENCES;
}

/** One reminder per policy, subscriber, channel and distance to the deadline, however often it is asked for. */
export function reminderDedupeKey({ policyId, subscriberId, channel, daysBefore }: { policyId: string; subscriberId: string; channel: Channel; daysBefore: number }): string {
  return `reminder:${policyId}:${subscriberId}:${channel}:${daysBefore}`;
}

export function reminderPayload(input: { daysBefore: number; closesAt: string; subscriptionIds: string[]; deliveryId: number }): PushMessagePayload {
  return { kind: 'reminder', daysBefore: input.daysBefore, closesAt: input.closesAt, subscriptionIds: input.subscriptionIds, deliveryId: input.deliveryId };
}

/** A contact is asked to confirm once. */
export function confirmationDedupeKey(contactId: string): string {
  return `confirm:${contactId}`;
}

export function confirmationPayload({ contactId, address }: { contactId: string; address: string }): PushMessagePayload {
  return { kind: 'confirmation', contactId, address };
}
