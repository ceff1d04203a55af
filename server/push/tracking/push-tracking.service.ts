import type { Delivery, WorkRef } from '../../../schemas/delivery.schema.js';
import {
  IRRELEVANT_REASON_LABELS,
  type IrrelevantForm,
  type PrecisionCounts,
  type PrecisionRow,
  type PushFeedback,
  type PushPrecision,
  type PushPrecisionQuery,
  type PushStatistics,
  type PushStatisticsQuery,
  type PushStatisticsRow,
  type StatisticsCounts,
  type StatisticsGroup,
} from '../../../schemas/push-tracking.schema.js';
import type { DimensionId } from '../../../schemas/taxonomy.schema.js';
import { invalid, invalidState, notFound } from '../../errors.js';
import type { Store } from '../../ports/store.port.js';
import type { Signer } from '../../security/signer.js';
import type { SubscriptionService } from '../../services/subscription.service.js';
import type { TaxonomyService } from '../../services/taxonomy.service.js';
import { addDays, shanghaiDate, shanghaiInstant } from '../schedule.js';

const OPEN_PURPOSE = 'push-open';
const FEEDBACK_PURPOSE = 'push-irrelevant';
const DEFAULT_WINDOW_DAYS = 90;
const CHANNEL_LABELS: Record<string, string> = { email: '电子邮件', wechat: '微信' };

/**
 * Mail security gateways and chat apps fetch links to check or preview them; such a fetch is not a
 * person reading. The user agent is looked at here and never stored.
 */
const LINK_SCANNER = /bot\b|crawler|spider|preview|scanner|safelinks|urldefense|proofpoint|mimecast|barracuda|python-requests|curl\/|wget|go-http-client|java\//i;

export function isLinkScanner(userAgent: string | undefined): boolean {
  return userAgent !== undefined && LINK_SCANNER.test(userAgent);
}

const invalidLink = () => invalid({ code: 'tracking_link_invalid', message: '链接无效或已被改动，请使用推送消息中的原始链接。' });
const invalidFeedbackLink = () => invalid({ code: 'feedback_link_invalid', message: '“与我无关”链接无效或已被改动，请使用推送消息中的原始链接。' });

function refCode(ref: WorkRef): string {
  return `${ref.source === 'delivery' ? 'd' : 'm'}${ref.id}`;
}

function parseRefCode(code: string | undefined): WorkRef | null {
  if (!code || !/^[dm][1-9]\d{0,15}$/.test(code)) return null;
  return { source: code.startsWith('d') ? 'delivery' : 'message', id: Number(code.slice(1)) };
}

/** One thing a recipient can do so the same kind of push stops: drop a matched tag from a subscription. */
export interface NarrowOption {
  subscriptionId: string;
  subscriptionName: string;
  tagId: string;
  tagLabel: string;
  dimensionLabel: string;
  /** The tag is one of the subscription's own conditions and others remain after removing it. */
  removable: boolean;
  editUrl: string;
}

export interface FeedbackSubject {
  ref: WorkRef;
  /** Policies the push carried; for a digest the recipient picks the ones not relevant. */
  items: { deliveryId: number | null; policyId: string; title: string }[];
  digest: boolean;
  already: PushFeedback | null;
  narrow: NarrowOption[];
}

export interface FeedbackResult {
  recorded: number;
  alreadyRecorded: boolean;
  narrow: NarrowOption[];
}

/**
 * Measured precision: signed links that record a push's first open and redirect to a page of this
 * site, the one-click 与我无关 feedback with its reasons and the offer to narrow the subscription,
 * the staff statistics over both, and their retention.
 */
export class PushTrackingService {
  private readonly base: URL;

  constructor(
    private readonly deps: {
      store: Store;
      signer: Signer;
      taxonomy: TaxonomyService;
      subscriptions: SubscriptionService;
      baseUrl: string;
      now: () => Date;
      retentionDays: number;
      followDays: number;
    },
  ) {
    this.base = new URL(deps.baseUrl);
  }

  private get baseUrl(): string {
    return this.deps.baseUrl.replace(/\/$/, '');
  }

  /** The site path a URL of this site points at, or null for another host. */
  private sitePath(url: string): string | null {
    let target: URL;
    try {
      target = new URL(url, this.base);
    } catch {
      return null;
    }
    if (target.origin !== this.base.origin) return null;
    return `${target.pathname}${target.search}${target.hash}`;
  }

  /**
   * A link of a push through the signed redirect. Only links to this site are wrapped: a link to
   * another host is left as it is rather than turned into a redirect anyone could reuse.
   */
  trackedLink({ ref, url }: { ref: WorkRef; url: string }): string {
    const path = this.sitePath(url);
    if (path === null) return url;
    const token = this.deps.signer.sign({ purpose: OPEN_PURPOSE, value: `${refCode(ref)}.${Buffer.from(path, 'utf8').toString('base64url')}` });
    return `${this.baseUrl}/r/${token}`;
  }

  irrelevantLink({ ref }: { ref: WorkRef }): string {
    return `${this.baseUrl}/feedback/${this.deps.signer.sign({ purpose: FEEDBACK_PURPOSE, value: refCode(ref) })}`;
  }

  privacyUrl(): string {
    return `${this.baseUrl}/privacy`;
  }

  /** The push and site path a redirect token names; refuses tampered tokens and other hosts. */
  parseLink(token: string): { ref: WorkRef; path: string } {
    const value = this.deps.signer.verify({ purpose: OPEN_PURPOSE, token });
    if (!value) throw invalidLink();
    const [code, encoded, extra] = value.split('.');
    const ref = parseRefCode(code);
    if (!ref || !encoded || extra !== undefined) throw invalidLink();
    const path = Buffer.from(encoded, 'base64url').toString('utf8');
    // Never an open redirect: a path of this site, not `//host`, `\\host` or a scheme.
    if (!path.startsWith('/') || path.startsWith('//') || path.includes('\\') || /[\u0000-\u001f]/.test(path) || this.sitePath(path) !== path) {
      throw invalid({ code: 'tracking_target_refused', message: '该链接指向本站以外的地址，已拒绝跳转。' });
    }
    return { ref, path };
  }

  /** Records the first open (unless a scanner or a HEAD asked) and returns where to send the reader. */
  async open({ token, countable }: { token: string; countable: boolean }): Promise<string> {
    const { ref, path } = this.parseLink(token);
    if (countable) await this.deps.store.pushTracking.recordOpen({ ref, at: this.deps.now().toISOString() });
    return path;
  }

  parseFeedbackToken(token: string): WorkRef {
    const value = this.deps.signer.verify({ purpose: FEEDBACK_PURPOSE, token });
    const ref = value ? parseRefCode(value) : null;
    if (!ref) throw invalidFeedbackLink();
    return ref;
  }

  /** What the 与我无关 page shows before anything is recorded. */
  async describeFeedback(token: string): Promise<FeedbackSubject> {
    const ref = this.parseFeedbackToken(token);
    const deliveries = await this.deliveriesOf(ref);
    const store = this.deps.store;
    const items: FeedbackSubject['items'] = [];
    for (const d of deliveries) items.push({ deliveryId: d.id, policyId: d.policyId, title: await this.policyTitle(d.policyId) });
    let digest = false;
    if (ref.source === 'message') {
      const message = await store.outbox.getMessage(ref.id);
      if (!message) throw invalidFeedbackLink();
      digest = message.payload.kind === 'digest' && deliveries.length > 0;
      if (items.length === 0 && message.policyId) items.push({ deliveryId: null, policyId: message.policyId, title: await this.policyTitle(message.policyId) });
    }
    if (digest) {
      // A digest stays open for the policies not yet marked; it is done when every one is.
      const open: FeedbackSubject['items'] = [];
      let last: PushFeedback | null = null;
      for (const item of items) {
        const feedback = await store.pushTracking.getFeedback({ source: 'delivery', id: item.deliveryId ?? 0 });
        if (feedback) last = feedback;
        else open.push(item);
      }
      const already = open.length === 0 ? last : null;
      return { ref, items: open, digest, already, narrow: already ? await this.narrowOptions(deliveries) : [] };
    }
    const already = await store.pushTracking.getFeedback(ref);
    return { ref, items, digest, already, narrow: already ? await this.narrowOptions(deliveries) : [] };
  }

  /** Records 与我无关 for the push (for a digest: for each policy chosen). A second time changes nothing. */
  async recordFeedback({ token, form }: { token: string; form: IrrelevantForm }): Promise<FeedbackResult> {
    const ref = this.parseFeedbackToken(token);
    const deliveries = await this.deliveriesOf(ref);
    const at = this.deps.now().toISOString();
    const note = form.note.length > 0 ? form.note : null;
    const tracking = this.deps.store.pushTracking;
    if (ref.source === 'message' && deliveries.length > 0) {
      const chosen = deliveries.filter((d) => form.deliveryIds.includes(d.id));
      if (chosen.length === 0) throw invalid({ code: 'feedback_nothing_chosen', message: '请勾选与您无关的政策。' });
      let recorded = 0;
      for (const d of chosen) if (await tracking.recordFeedback({ ref: { source: 'delivery', id: d.id }, reasons: form.reasons, note, at })) recorded += 1;
      return { recorded, alreadyRecorded: recorded === 0, narrow: await this.narrowOptions(chosen) };
    }
    if (ref.source === 'message' && !(await this.deps.store.outbox.getMessage(ref.id))) throw invalidFeedbackLink();
    const recorded = await tracking.recordFeedback({ ref, reasons: form.reasons, note, at });
    return { recorded: recorded ? 1 : 0, alreadyRecorded: !recorded, narrow: await this.narrowOptions(deliveries) };
  }

  /** Removes one matched tag from one subscription, on the authority of the signed feedback link. */
  async narrow({ token, subscriptionId, tagId }: { token: string; subscriptionId: string; tagId: string }): Promise<{ subscriptionName: string; tagLabel: string }> {
    const ref = this.parseFeedbackToken(token);
    const options = await this.narrowOptions(await this.deliveriesOf(ref));
    const option = options.find((o) => o.subscriptionId === subscriptionId && o.tagId === tagId && o.removable);
    if (!option) throw invalidState({ code: 'narrow_not_possible', message: '无法从该订阅中移除这个标签，请到订阅设置中修改。' });
    const subscription = await this.deps.store.subscriptions.get(subscriptionId);
    const subscriber = subscription ? await this.deps.store.subscribers.get(subscription.subscriberId) : null;
    if (!subscription || !subscriber || subscription.endedAt) throw notFound({ code: 'subscription_not_found', message: '该订阅已结束或不存在' });
    const criteria = { ...subscription.criteria };
    for (const [dimension, criterion] of Object.entries(criteria) as [DimensionId, (typeof criteria)[DimensionId]][]) {
      if (!criterion || !criterion.tags.includes(tagId)) continue;
      const tags = criterion.tags.filter((t) => t !== tagId);
      if (tags.length === 0) delete criteria[dimension];
      else criteria[dimension] = { ...criterion, tags };
    }
    await this.deps.subscriptions.update({ subscriber, subscriptionId, body: { criteria } });
    return { subscriptionName: option.subscriptionName, tagLabel: option.tagLabel };
  }

  private async deliveriesOf(ref: WorkRef): Promise<Delivery[]> {
    if (ref.source === 'delivery') {
      const delivery = await this.deps.store.pushTracking.deliveryOf(ref.id);
      if (!delivery) throw invalidFeedbackLink();
      return [delivery];
    }
    return this.deps.store.digests.listByMessage(ref.id);
  }

  private async policyTitle(policyId: string): Promise<string> {
    const policy = await this.deps.store.policies.get(policyId);
    return policy?.title ?? policyId;
  }

  private async narrowOptions(deliveries: Delivery[]): Promise<NarrowOption[]> {
    const taxonomy = this.deps.taxonomy.current();
    const options = new Map<string, NarrowOption>();
    for (const d of deliveries) {
      for (const matched of d.explanation.subscriptions) {
        const subscription = await this.deps.store.subscriptions.get(matched.subscriptionId);
        if (!subscription || subscription.endedAt) continue;
        const conditions = Object.values(subscription.criteria).reduce((n, c) => n + (c?.tags.length ?? 0), 0) + subscription.keywords.length;
        for (const [dimension, tags] of Object.entries(matched.matchedTags) as [DimensionId, string[] | undefined][]) {
          for (const tagId of tags ?? []) {
            const key = `${subscription.id}|${tagId}`;
            if (options.has(key)) continue;
            const own = subscription.criteria[dimension]?.tags.includes(tagId) ?? false;
            options.set(key, {
              subscriptionId: subscription.id,
              subscriptionName: subscription.name,
              tagId,
              tagLabel: taxonomy.label(tagId),
              dimensionLabel: taxonomy.dimensionLabel(dimension),
              removable: own && conditions > 1,
              editUrl: `/account/subscriptions/${encodeURIComponent(subscription.id)}/edit`,
            });
          }
        }
      }
    }
    return [...options.values()];
  }

  // ---- statistics --------------------------------------------------------------------------

  private window({ from, to }: { from?: string | undefined; to?: string | undefined }) {
    const today = shanghaiDate(this.deps.now());
    const last = to ?? today;
    const first = from ?? addDays({ date: last, days: -(DEFAULT_WINDOW_DAYS - 1) });
    if (first > last) throw invalid({ code: 'statistics_range_invalid', message: '开始日期不能晚于结束日期' });
    const since = shanghaiInstant({ date: first, time: '00:00' }).toISOString();
    const until = shanghaiInstant({ date: addDays({ date: last, days: 1 }), time: '00:00' }).toISOString();
    return { from: first, to: last, since, until };
  }

  async statistics(query: PushStatisticsQuery): Promise<PushStatistics> {
    const { from, to, since, until } = this.window(query);
    const followDays = query.followDays ?? this.deps.followDays;
    const tracking = this.deps.store.pushTracking;
    const [counts, totals] = await Promise.all([
      tracking.statistics({ since, until, groupBy: query.groupBy, followDays, limit: query.limit }),
      tracking.totals({ since, until, followDays }),
    ]);
    const labels = await this.labels({ groupBy: query.groupBy, keys: counts.map((c) => c.key) });
    return {
      groupBy: query.groupBy,
      from,
      to,
      followDays,
      totals: withRates(totals, '全部推送'),
      rows: counts.map((c) => withRates(c, labels.get(c.key) ?? c.key)),
    };
  }

  async precision(query: PushPrecisionQuery): Promise<PushPrecision> {
    const { from, to, since, until } = this.window(query);
    const result = await this.deps.store.pushTracking.precision({ since, until, limit: query.limit });
    const taxonomy = this.deps.taxonomy.current();
    const tagLabel = (id: string) => {
      const dimension = taxonomy.dimensionOf(id);
      return dimension ? `${taxonomy.dimensionLabel(dimension)}：${taxonomy.label(id)}` : taxonomy.label(id);
    };
    const gapLabel = (id: string) => `${taxonomy.dimensionLabel(id as DimensionId)}（待确认）`;
    return {
      from,
      to,
      tags: result.tags.map((row) => precisionRow(row, tagLabel(row.key))),
      gaps: result.gaps.map((row) => precisionRow(row, gapLabel(row.key))),
      reasons: result.reasons.map((r) => ({ ...r, label: IRRELEVANT_REASON_LABELS[r.reason] })),
    };
  }

  private async labels({ groupBy, keys }: { groupBy: StatisticsGroup; keys: string[] }): Promise<Map<string, string>> {
    const labels = new Map<string, string>();
    switch (groupBy) {
      case 'policy':
        for (const key of keys) labels.set(key, await this.policyTitle(key));
        break;
      case 'channel':
        for (const key of keys) labels.set(key, CHANNEL_LABELS[key] ?? key);
        break;
      case 'tag': {
        const taxonomy = this.deps.taxonomy.current();
        for (const key of keys) {
          const dimension = taxonomy.dimensionOf(key);
          labels.set(key, dimension ? `${taxonomy.dimensionLabel(dimension)}：${taxonomy.label(key)}` : taxonomy.label(key));
        }
        break;
      }
      case 'park': {
        const parks = await this.deps.store.subscribers.getMany(keys.filter((k) => k !== ''));
        for (const park of parks) labels.set(park.id, park.name);
        labels.set('', '未加入园区');
        break;
      }
    }
    return labels;
  }

  /** Deletes opens and feedback older than the retention period. */
  async purge(): Promise<{ opens: number; feedback: number; before: string }> {
    const before = new Date(this.deps.now().getTime() - this.deps.retentionDays * 86_400_000).toISOString();
    return { ...(await this.deps.store.pushTracking.purge({ before })), before };
  }

  get retentionDays(): number {
    return this.deps.retentionDays;
  }
}

const rate = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part / whole) * 10_000) / 10_000);

function withRates(counts: StatisticsCounts, label: string): PushStatisticsRow {
  return { ...counts, label, openRate: rate(counts.opened, counts.delivered), irrelevantRate: rate(counts.irrelevant, counts.delivered) };
}

function precisionRow(row: PrecisionCounts, label: string): PrecisionRow {
  return { ...row, label, irrelevantRate: rate(row.irrelevant, row.delivered) };
}
