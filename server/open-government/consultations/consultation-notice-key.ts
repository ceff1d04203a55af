/** The outbox key of a consultation notice: one per consultation, subscriber and channel. */
export function consultationNoticeKey({ consultationId, subscriberId, channel }: { consultationId: string; subscriberId: string; channel: string }): string {
  return `${consultationNoticePrefix(consultationId)}${subscriberId}:${channel}`;
}

/** Every notice key of one consultation starts with this. */
export function consultationNoticePrefix(consultationId: string): string {
  return `consultation:${consultationId}:`;
}
