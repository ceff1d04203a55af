import type { Delivery } from '../../schemas/delivery.schema.js';

/** What holds a channel back right now, as the delivery log reports it. */
export interface ChannelHold {
  paused: boolean;
  /** The pause reason, or the lane's own (daily budget used up, bot logged out). */
  reason: string | null;
}

/**
 * Why a delivery that is not settled yet is still waiting, or null when it is settled. The most
 * decisive hold first: a paused channel holds everything, then the row's own timing.
 */
export function queuedReason({ delivery, now, digestTime, hold }: { delivery: Pick<Delivery, 'status' | 'channel' | 'frequency' | 'messageId' | 'nextAttemptAt' | 'leaseUntil'>; now: Date; digestTime: string; hold: ChannelHold }): string | null {
  if (!['pending', 'sending', 'failed_temporary'].includes(delivery.status)) return null;
  if (delivery.status === 'sending') return `正在发送：工作进程持有租约至 ${delivery.leaseUntil ?? '（未知）'}`;
  if (hold.paused) return `渠道已暂停${hold.reason ? `（${hold.reason}）` : ''}：恢复后发送，暂停期间不计失败`;
  if (delivery.status === 'failed_temporary' && delivery.nextAttemptAt && delivery.nextAttemptAt > now.toISOString()) {
    return `上次发送暂时失败，退避重试：${delivery.nextAttemptAt} 之后再试`;
  }
  if (delivery.messageId !== null) return `已编入汇总消息 #${delivery.messageId}，随汇总发送`;
  if (delivery.frequency === 'daily') return `等待每日汇总：每天 ${digestTime}（北京时间）发送`;
  if (delivery.frequency === 'weekly') return `等待每周汇总：每周一 ${digestTime}（北京时间）发送`;
  if (hold.reason) return hold.reason;
  return delivery.channel === 'wechat' ? '排队等待发送：按微信发送间隔逐条发送' : '排队等待发送：按渠道发送速率依次发送';
}
