import type { MatchingJob } from '../../schemas/delivery.schema.js';
import { CHANNEL_LABELS, type Channel, type Subscriber } from '../../schemas/subscriber.schema.js';
import type { Subscription } from '../../schemas/subscription.schema.js';
import type { AudienceMatch } from '../ports/audience-index.port.js';
import { isLiveSubscription, liveSubscriptions } from '../subscribers/live-subscription.js';
import { isReachableContact } from '../subscribers/reachable-contact.js';

/** What is known about one subscriber and one version that has no delivery for them. */
export interface WhyNotFacts {
  /** The version's matching job; null when none was ever created. */
  job: Pick<MatchingJob, 'status' | 'reason' | 'startedAt'> | null;
  subscriber: Pick<Subscriber, 'createdAt' | 'updatedAt' | 'contacts'>;
  subscriptions: readonly Subscription[];
  /** The subscriber against the version now, through the engine; null when nothing matches now. */
  matchNow: Pick<AudienceMatch, 'channels' | 'subscriptions'> | null;
}

/** Instants are ISO strings in UTC, so they compare as text. */
function latest(values: readonly (string | null | undefined)[]): string | null {
  let out: string | null = null;
  for (const value of values) if (value && (out === null || value > out)) out = value;
  return out;
}

function day(iso: string): string {
  return iso.slice(0, 10);
}

/** Why a channel the subscriber asked for has no contact a push can go to, or null when it has one. */
function contactCause({ contacts, channel }: { contacts: WhyNotFacts['subscriber']['contacts']; channel: Channel }): string | null {
  const own = contacts.filter((c) => c.channel === channel);
  if (own.some(isReachableContact)) return null;
  if (channel === 'email') {
    // A bounce outranks a missing confirmation: confirming again would not help a refused address.
    const bounced = own.find((c) => c.invalidAt !== null);
    if (bounced) return `邮箱已被退信（550）：${bounced.address} 自 ${day(bounced.invalidAt ?? '')} 起被收件服务器拒收，已停止推送，请更换邮箱`;
    const pending = own.find((c) => c.confirmedAt === null);
    if (pending) return `邮箱尚未确认（双重确认）：${pending.address} 确认前不推送`;
    return '没有填写邮箱';
  }
  const lost = own.find((c) => c.invalidAt !== null);
  if (lost) return `微信联系人或群已失效：“${lost.address}”自 ${day(lost.invalidAt ?? '')} 起找不到，已停止推送`;
  return '没有填写微信联系人或群';
}

/**
 * The real causes, most decisive first, for a subscriber who got nothing for a version. Each
 * sentence names a fact on record; "a change after the push list was built" is said only when a
 * change time on record is later than the job's start, which is when the list was taken.
 */
export function whyNotCauses({ job, subscriber, subscriptions, matchNow }: WhyNotFacts): string[] {
  if (!job) return ['该版本还没有匹配任务：推送名单尚未生成'];
  if (job.status === 'skipped') return [`该版本未推送：${job.reason ?? '已跳过'}`];
  if (job.status === 'running') return ['匹配尚未完成，推送名单还在生成'];
  const live = liveSubscriptions(subscriptions);
  if (live.length === 0) {
    const lastEnded = [...subscriptions].filter((s) => !isLiveSubscription(s)).sort((a, b) => (b.endedAt ?? '').localeCompare(a.endedAt ?? ''))[0];
    return [lastEnded ? `该用户没有有效的订阅：订阅均已取消（最近一次：“${lastEnded.name}”于 ${day(lastEnded.endedAt ?? '')} 取消）` : '该用户没有有效的订阅：从未订阅'];
  }
  const requested = [...new Set(live.flatMap((s) => s.channels))];
  const contactCauses = requested.map((channel) => ({ channel, cause: contactCause({ contacts: subscriber.contacts, channel }) }));
  const reasons: string[] = [];
  // A push needs one requested channel with a usable contact; only when none has one is that the cause.
  if (contactCauses.every(({ cause }) => cause !== null)) reasons.push(...contactCauses.map(({ channel, cause }) => `${CHANNEL_LABELS[channel]}：${cause ?? ''}`));
  if (!matchNow) {
    reasons.push('订阅条件或适用条件与该政策不匹配');
    return reasons;
  }
  if (reasons.length > 0) return reasons;
  const snapshot = job.startedAt;
  const changedAt = latest([
    subscriber.createdAt,
    subscriber.updatedAt,
    ...subscriptions.flatMap((s) => [s.createdAt, s.endedAt, s.updatedAt]),
    ...subscriber.contacts.flatMap((c) => [c.confirmedAt, c.invalidAt]),
  ]);
  if (snapshot && changedAt && changedAt > snapshot) {
    return [`现在可以匹配：该用户的资料、联系方式或订阅在 ${changedAt} 变更，晚于推送名单生成时间 ${snapshot}，所以不在这一版的名单中`];
  }
  return [`现在可以匹配，且资料、联系方式和订阅都没有晚于推送名单生成时间${snapshot ? ` ${snapshot} ` : ''}的变更记录：请查看匹配任务的日志`];
}
