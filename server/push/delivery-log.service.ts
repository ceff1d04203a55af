import { ERROR_CLASSES, type DeliveryLog, type ErrorClass } from '../../schemas/delivery.schema.js';
import { channelSchema, type Channel } from '../../schemas/subscriber.schema.js';
import { notFound } from '../errors.js';
import { whyNotCauses } from '../matching/why-not.js';
import type { AudienceMatch } from '../ports/audience-index.port.js';
import type { SearchIndex } from '../ports/search-index.port.js';
import type { Store } from '../ports/store.port.js';
import type { AudienceSyncService } from '../services/audience-sync.service.js';
import type { MatchingService } from '../services/matching.service.js';
import type { PushContent } from './content.js';
import { queuedReason } from './queued-reason.js';

const LANE_FRESH_MS = 60_000;

export function reasonOf(errorClass: string | null, lastError: string | null): string {
  const label = errorClass && errorClass in ERROR_CLASSES ? ERROR_CLASSES[errorClass as ErrorClass].label : null;
  return [label, lastError].filter(Boolean).join('：') || '未知原因';
}

/**
 * The delivery log drafters read: how a version's push went per channel and status, why pushes
 * failed, unsubscribes it caused, and per subscriber the whole history with every attempt —
 * or, when nothing was written for them, why not.
 */
export class DeliveryLogService {
  constructor(
    private readonly deps: {
      store: Store;
      index: SearchIndex;
      matching: MatchingService;
      audienceSync: AudienceSyncService;
      content: PushContent;
      wechatDryRun: boolean;
      now: () => Date;
      /** The digest slot (HH:MM, Asia/Shanghai), named when a delivery waits for it. */
      digestTime?: string;
    },
  ) {}

  async forPolicy({ policyId, version, subscriberId }: { policyId: string; version?: number; subscriberId?: string }): Promise<DeliveryLog> {
    const policy = await this.deps.store.policies.get(policyId);
    if (!policy) throw notFound({ code: 'policy_not_found', message: `未找到政策：${policyId}` });
    const chosen = version ?? policy.currentVersion;
    const store = this.deps.store;
    const job = chosen ? await store.matchingJobs.get({ policyId, version: chosen }) : null;
    const figures = chosen ? await store.deliveryLog.policyLog({ policyId, version: chosen }) : { counts: [], reminders: [], failures: [], byErrorClass: [], unsubscribes: [] };
    const names = new Map((await store.subscribers.getMany([...new Set(figures.failures.map((f) => f.subscriberId))])).map((s) => [s.id, s.name]));
    const byScope: DeliveryLog['unsubscribes']['byScope'] = {};
    for (const u of figures.unsubscribes) byScope[u.scope] = u.count;
    return {
      policyId,
      version: chosen,
      matching: { status: job?.status ?? null, reason: job?.reason ?? null, matched: job?.matched ?? 0, written: job?.written ?? 0 },
      total: figures.counts.reduce((sum, c) => sum + c.count, 0),
      counts: figures.counts,
      reminders: figures.reminders,
      failures: figures.failures.map((d) => ({
        deliveryId: d.id,
        subscriberId: d.subscriberId,
        subscriberName: names.get(d.subscriberId) ?? d.subscriberId,
        channel: d.channel,
        status: d.status,
        errorClass: d.errorClass,
        reason: reasonOf(d.errorClass, d.lastError),
        attempts: d.attempts,
        updatedAt: d.updatedAt,
      })),
      byErrorClass: figures.byErrorClass.map((e) => ({ ...e, label: e.errorClass in ERROR_CLASSES ? ERROR_CLASSES[e.errorClass as ErrorClass].label : e.errorClass })),
      unsubscribes: { total: figures.unsubscribes.reduce((sum, u) => sum + u.count, 0), byScope },
      channels: await this.channels(),
      subscriber: subscriberId ? await this.subscriberHistory({ policyId, version: chosen, subscriberId }) : null,
    };
  }

  /** Each channel's pause switch and lane state: what holds its queued rows back right now. */
  async channels(): Promise<DeliveryLog['channels']> {
    const controls = await this.deps.store.pushSettings.listControls();
    const lanes = await this.deps.store.deliveryLeases.listLanes({ since: new Date(this.deps.now().getTime() - LANE_FRESH_MS).toISOString() });
    return channelSchema.options.map((channel) => {
      const control = controls.find((c) => c.channel === channel);
      const own = lanes.filter((l) => l.channel === channel);
      const state = own.length === 0 ? 'no_worker' : own.some((l) => l.state === 'running') ? 'running' : own[0]?.state ?? 'stopped';
      const laneReason = own.find((l) => l.reason)?.reason ?? null;
      return {
        channel,
        paused: control?.paused ?? false,
        reason: control?.paused ? control.reason : laneReason,
        dryRun: channel === 'wechat' ? this.deps.wechatDryRun || own.some((l) => l.dryRun) : false,
        state,
      };
    });
  }

  private async subscriberHistory({ policyId, version, subscriberId }: { policyId: string; version: number | null; subscriberId: string }) {
    const store = this.deps.store;
    const subscriber = await store.subscribers.get(subscriberId);
    if (!subscriber) throw notFound({ code: 'subscriber_not_found', message: '订阅用户不存在' });
    const { deliveries, messages } = await store.deliveryLog.listForPolicySubscriber({ policyId, subscriberId });
    const attempts = await store.deliveryLog.listAttempts({ deliveryIds: deliveries.map((d) => d.id), messageIds: messages.map((m) => m.id) });
    const subscriptions = await store.subscriptions.listBySubscriber({ subscriberId, includeEnded: true });
    const names = new Map(subscriptions.map((s) => [s.id, s.name]));
    const holds = await this.channels();
    const whyNot: string[] = [];
    if (version !== null && !deliveries.some((d) => d.version === version)) whyNot.push(...(await this.whyNot({ policyId, version, subscriberId })));
    return {
      subscriberId,
      name: subscriber.name,
      deliveries: deliveries.map((d) => ({
        ...d,
        reasons: this.deps.content.reasons({ explanation: d.explanation, subscriptionNames: names, viewer: { kind: 'staff', subscriberKind: subscriber.kind } }),
        attemptLog: attempts.filter((a) => a.deliveryId === d.id || (d.messageId !== null && a.messageId === d.messageId)),
        queuedReason: queuedReason({
          delivery: d,
          now: this.deps.now(),
          digestTime: this.deps.digestTime ?? '08:30',
          hold: { paused: holds.find((h) => h.channel === d.channel)?.paused ?? false, reason: holds.find((h) => h.channel === d.channel)?.reason ?? null },
        }),
      })),
      messages: messages.map((m) => ({ ...m, attemptLog: attempts.filter((a) => a.messageId === m.id) })),
      whyNot,
    };
  }

  private async whyNot({ policyId, version, subscriberId }: { policyId: string; version: number; subscriberId: string }): Promise<string[]> {
    const store = this.deps.store;
    const job = await store.matchingJobs.get({ policyId, version });
    const subscriber = await store.subscribers.get(subscriberId);
    if (!subscriber) return ['订阅用户已不存在'];
    const subscriptions = await store.subscriptions.listBySubscriber({ subscriberId, includeEnded: true });
    const stored = await store.policies.getVersion({ policyId, version });
    let matchNow: AudienceMatch | null = null;
    if (stored && job?.status === 'done') {
      await this.deps.audienceSync.catchUp();
      const matches = await this.deps.index.matchSubscriber({ subscriberId, policies: [{ key: 'p', policy: this.deps.matching.audienceOf(stored) }] });
      matchNow = matches[0]?.match ?? null;
    }
    return whyNotCauses({ job, subscriber, subscriptions, matchNow });
  }
}
