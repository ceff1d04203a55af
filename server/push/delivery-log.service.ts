import { ERROR_CLASSES, type DeliveryLog, type ErrorClass } from '../../schemas/delivery.schema.js';
import { channelSchema, type Channel } from '../../schemas/subscriber.schema.js';
import { notFound } from '../errors.js';
import type { SearchIndex } from '../ports/search-index.port.js';
import type { Store } from '../ports/store.port.js';
import type { AudienceSyncService } from '../services/audience-sync.service.js';
import type { MatchingService } from '../services/matching.service.js';
import type { PushContent } from './content.js';

const LANE_FRESH_MS = 60_000;

function reasonOf(errorClass: string | null, lastError: string | null): string {
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
      subscriber: subscriberId ? await this.subscriberHistory({ policyId, version: chosen, subscriberId, jobReason: job?.status === 'skipped' ? job.reason : null }) : null,
    };
  }

  private async channels(): Promise<DeliveryLog['channels']> {
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

  private async subscriberHistory({ policyId, version, subscriberId, jobReason }: { policyId: string; version: number | null; subscriberId: string; jobReason: string | null }) {
    const store = this.deps.store;
    const subscriber = await store.subscribers.get(subscriberId);
    if (!subscriber) throw notFound({ code: 'subscriber_not_found', message: '订阅用户不存在' });
    const { deliveries, messages } = await store.deliveryLog.listForPolicySubscriber({ policyId, subscriberId });
    const attempts = await store.deliveryLog.listAttempts({ deliveryIds: deliveries.map((d) => d.id), messageIds: messages.map((m) => m.id) });
    const subscriptions = await store.subscriptions.listBySubscriber({ subscriberId, includeEnded: true });
    const names = new Map(subscriptions.map((s) => [s.id, s.name]));
    const whyNot: string[] = [];
    if (version !== null && !deliveries.some((d) => d.version === version)) whyNot.push(...(await this.whyNot({ policyId, version, subscriberId, jobReason })));
    return {
      subscriberId,
      name: subscriber.name,
      deliveries: deliveries.map((d) => ({
        ...d,
        reasons: this.deps.content.reasons({ explanation: d.explanation, subscriptionNames: names, viewer: { kind: 'staff', subscriberKind: subscriber.kind } }),
        attemptLog: attempts.filter((a) => a.deliveryId === d.id || (d.messageId !== null && a.messageId === d.messageId)),
      })),
      messages: messages.map((m) => ({ ...m, attemptLog: attempts.filter((a) => a.messageId === m.id) })),
      whyNot,
    };
  }

  private async whyNot({ policyId, version, subscriberId, jobReason }: { policyId: string; version: number; subscriberId: string; jobReason: string | null }): Promise<string[]> {
    const store = this.deps.store;
    if (jobReason) return [`该版本未推送：${jobReason}`];
    const job = await store.matchingJobs.get({ policyId, version });
    if (!job || job.status === 'running') return ['匹配尚未完成，推送名单还在生成'];
    const reasons: string[] = [];
    const subscriber = await store.subscribers.get(subscriberId);
    const live = await store.subscriptions.listBySubscriber({ subscriberId, includeEnded: false });
    if (live.length === 0) reasons.push('该用户没有有效的订阅');
    const contacts = subscriber?.contacts ?? [];
    if (!contacts.some((c) => c.invalidAt === null && (c.channel === 'wechat' || c.confirmedAt !== null))) {
      reasons.push(contacts.some((c) => c.channel === 'email' && c.confirmedAt === null) ? '邮箱尚未确认（双重确认），确认前不推送' : '没有可用的联系方式（未填写或已失效）');
    }
    const stored = await store.policies.getVersion({ policyId, version });
    if (stored && live.length > 0) {
      await this.deps.audienceSync.catchUp();
      const matches = await this.deps.index.matchSubscriber({ subscriberId, policies: [{ key: 'p', policy: this.deps.matching.audienceOf(stored) }] });
      if (matches.length === 0) reasons.push('订阅条件或适用条件与该政策不匹配');
      else reasons.push('现在可以匹配：订阅或资料是在推送名单生成之后才变更的');
    }
    return reasons.length > 0 ? reasons : ['没有找到原因'];
  }
}
