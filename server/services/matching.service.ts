import type { NewDelivery } from '../../schemas/delivery.schema.js';
import type { AudiencePreview, FeedItem } from '../../schemas/matching.schema.js';
import type { PolicyContent, PolicyVersion, Validity } from '../../schemas/policy.schema.js';
import type { Subscriber } from '../../schemas/subscriber.schema.js';
import type { Frequency } from '../../schemas/subscription.schema.js';
import { notFound } from '../errors.js';
import type { Logger } from '../logger.js';
import { describeExplanation, explanationOf } from '../matching/explain.js';
import { buildAudiencePolicy } from '../matching/match-semantics.js';
import type { AudienceMatch, AudiencePolicy } from '../ports/audience-index.port.js';
import type { SearchIndex } from '../ports/search-index.port.js';
import type { Store } from '../ports/store.port.js';
import { SYSTEM_IMPORTER } from './actor.js';
import type { AudienceSyncService } from './audience-sync.service.js';
import type { TaxonomyService } from './taxonomy.service.js';
import { effectiveValidity, shanghaiToday } from './validity.js';

const FREQUENCY_ORDER: Frequency[] = ['immediate', 'daily', 'weekly'];

interface CatalogEntry {
  version: PolicyVersion;
  validity: Validity;
  audience: AudiencePolicy;
}

/**
 * Audience matching: previews for drafters, the outbox for the matcher worker, and the subscriber's
 * own feed. The engine behind `SearchIndex` finds the matches; this service turns them into
 * deliveries and explanations.
 */
export class MatchingService {
  private catalog: { seq: number; entries: CatalogEntry[] } | null = null;

  constructor(
    private readonly deps: {
      store: Store;
      index: SearchIndex;
      taxonomy: TaxonomyService;
      audienceSync: AudienceSyncService;
      now: () => Date;
      logger: Logger;
    },
  ) {}

  audienceOf(content: Pick<PolicyContent, 'criteria' | 'tags' | 'level' | 'title' | 'body'>): AudiencePolicy {
    return buildAudiencePolicy({ taxonomy: this.deps.taxonomy.current(), ...content });
  }

  async preview({ policyId, sampleSize }: { policyId: string; sampleSize: number }): Promise<AudiencePreview> {
    const policy = await this.deps.store.policies.get(policyId);
    if (!policy) throw notFound({ code: 'policy_not_found', message: `未找到政策：${policyId}` });
    await this.deps.audienceSync.catchUp();
    const taxonomy = this.deps.taxonomy.current();
    const summary = await this.deps.index.audienceSummary({ policy: this.audienceOf(policy), sampleSize });
    const sampleSubscribers = new Map((await this.deps.store.subscribers.getMany(summary.sample.map((m) => m.subscriberId))).map((s) => [s.id, s]));
    const names = await this.subscriptionNames(summary.sample);
    const job = policy.currentVersion ? await this.deps.store.matchingJobs.get({ policyId, version: policy.currentVersion }) : null;
    return {
      policyId,
      basis: policy.status === 'published' || policy.status === 'repealed' ? 'published_version' : 'working_copy',
      subscribers: summary.subscribers,
      byChannel: { ...summary.byChannel },
      unknown: Object.entries(summary.unknownByDimension).map(([dimension, count]) => ({
        dimension: dimension as keyof typeof summary.unknownByDimension,
        label: taxonomy.dimensionLabel(dimension as keyof typeof summary.unknownByDimension),
        count: count ?? 0,
      })),
      breakdown: Object.entries(summary.breakdown).map(([dimension, counts]) => ({
        dimension: dimension as keyof typeof summary.breakdown,
        label: taxonomy.dimensionLabel(dimension as keyof typeof summary.breakdown),
        buckets: Object.entries(counts ?? {})
          .map(([tagId, count]) => ({ tagId, label: taxonomy.label(tagId), count }))
          .sort((a, b) => b.count - a.count || a.tagId.localeCompare(b.tagId)),
      })),
      sample: summary.sample.map((match) => {
        const subscriber = sampleSubscribers.get(match.subscriberId);
        const explanation = explanationOf(match);
        return {
          subscriberId: match.subscriberId,
          name: subscriber?.name ?? match.subscriberId,
          kind: subscriber?.kind ?? 'enterprise',
          channels: match.channels,
          explanation,
          reasons: describeExplanation({ explanation, taxonomy, subscriptionNames: names, viewer: { kind: 'staff', subscriberKind: subscriber?.kind ?? 'enterprise' } }),
        };
      }),
      deliveries: {
        version: policy.currentVersion,
        written: policy.currentVersion ? await this.deps.store.outbox.countForPolicy({ policyId, version: policy.currentVersion }) : 0,
        status: job?.status ?? null,
      },
    };
  }

  /**
   * The matcher: every published version gets one job. Deliveries are written in bounded batches
   * under a lease; a crash leaves the job running until its lease expires, and the rerun inserts
   * only the rows that are still missing (the outbox's unique key makes that exact).
   */
  async runDueJobs({ batchSize, leaseMs, onProgress }: { batchSize: number; leaseMs: number; onProgress?: (p: { policyId: string; version: number; written: number }) => void }) {
    const results: { policyId: string; version: number; status: 'done' | 'skipped'; matched: number; written: number }[] = [];
    await this.deps.audienceSync.catchUp();
    const due = await this.deps.store.matchingJobs.listDue({ now: this.deps.now().toISOString(), limit: 20 });
    for (const { policyId, version } of due) {
      const lease = () => new Date(this.deps.now().getTime() + leaseMs).toISOString();
      const claimed = await this.deps.store.matchingJobs.claim({ policyId, version, now: this.deps.now().toISOString(), leaseUntil: lease() });
      if (!claimed) continue;
      const skip = await this.skipReason({ policyId, version });
      if (skip) {
        await this.deps.store.matchingJobs.finish({ policyId, version, status: 'skipped', reason: skip, matched: 0, written: 0, at: this.deps.now().toISOString() });
        results.push({ policyId, version, status: 'skipped', matched: 0, written: 0 });
        continue;
      }
      const stored = await this.deps.store.policies.getVersion({ policyId, version });
      if (!stored) continue;
      let matched = 0;
      let written = 0;
      for await (const batch of this.deps.index.audienceBatches({ policy: this.audienceOf(stored), batchSize })) {
        matched += batch.length;
        const rows = batch.flatMap((match) => deliveriesFor({ match, policyId, version }));
        written += (await this.deps.store.outbox.enqueue(rows, this.deps.now().toISOString())).inserted;
        await this.deps.store.matchingJobs.extendLease({ policyId, version, leaseUntil: lease() });
        onProgress?.({ policyId, version, written });
      }
      await this.deps.store.matchingJobs.finish({ policyId, version, status: 'done', reason: null, matched, written, at: this.deps.now().toISOString() });
      this.deps.logger.info('audience written to outbox', { policyId, version, matched, written });
      results.push({ policyId, version, status: 'done', matched, written });
    }
    return results;
  }

  /** Only the current, public, effective version of a document published through the workflow is pushed. */
  private async skipReason({ policyId, version }: { policyId: string; version: number }): Promise<string | null> {
    const policy = await this.deps.store.policies.get(policyId);
    const stored = await this.deps.store.policies.getVersion({ policyId, version });
    if (!policy || !stored) return '版本不存在';
    if (stored.publishedBy === SYSTEM_IMPORTER.id) return '批量导入的历史文件不推送';
    if (stored.disclosure !== 'public') return '非主动公开文件不推送';
    if (policy.currentVersion !== version) return '已有更新的版本';
    if (policy.validity !== 'effective') return '文件已不再有效';
    return null;
  }

  /** The subscriber's matching policies, newest first, each with why it matched. */
  async feed({ subscriber, page, pageSize, subscriptionId }: { subscriber: Subscriber; page: number; pageSize: number; subscriptionId?: string }) {
    await this.deps.audienceSync.catchUp();
    const entries = await this.currentCatalog();
    const matches = await this.deps.index.matchSubscriber({
      subscriberId: subscriber.id,
      policies: entries.map((entry) => ({ key: `${entry.version.policyId}:${entry.version.version}`, policy: entry.audience })),
    });
    const byKey = new Map(entries.map((e) => [`${e.version.policyId}:${e.version.version}`, e]));
    const relevant = matches.filter(({ match }) => !subscriptionId || match.subscriptions.some((s) => s.subscriptionId === subscriptionId));
    const taxonomy = this.deps.taxonomy.current();
    const names = await this.subscriptionNames(relevant.map((m) => m.match));
    const today = shanghaiToday(this.deps.now());
    const items: FeedItem[] = relevant.flatMap(({ key, match }) => {
      const entry = byKey.get(key);
      if (!entry) return [];
      const explanation = explanationOf(match);
      return [
        {
          policyId: entry.version.policyId,
          version: entry.version.version,
          title: entry.version.title,
          docNumber: entry.version.docNumber,
          issuer: entry.version.issuer,
          publishedAt: entry.version.publishedAt,
          validity: effectiveValidity({ validity: entry.validity, expiresAt: entry.version.expiresAt, today }),
          applicationWindow: entry.version.applicationWindow,
          explanation,
          reasons: describeExplanation({ explanation, taxonomy, subscriptionNames: names, viewer: { kind: 'subscriber' } }),
        },
      ];
    });
    items.sort((a, b) => b.publishedAt.localeCompare(a.publishedAt) || a.policyId.localeCompare(b.policyId));
    return { total: items.length, page, pageSize, items: items.slice((page - 1) * pageSize, page * pageSize) };
  }

  /** Current public, effective versions with their matching form, rebuilt only when policies changed. */
  private async currentCatalog(): Promise<CatalogEntry[]> {
    const seq = await this.deps.store.policies.latestSeq();
    if (this.catalog && this.catalog.seq === seq) return this.catalog.entries;
    const today = shanghaiToday(this.deps.now());
    const entries = (await this.deps.store.policies.listCurrentVersions())
      .filter(({ version, validity }) => version.disclosure === 'public' && effectiveValidity({ validity, expiresAt: version.expiresAt, today }) === 'effective')
      .map(({ version, validity }) => ({ version, validity, audience: this.audienceOf(version) }));
    this.catalog = { seq, entries };
    return entries;
  }

  private async subscriptionNames(matches: readonly AudienceMatch[]): Promise<Map<string, string>> {
    const ids = [...new Set(matches.map((m) => m.subscriberId))];
    const subscriptions = await this.deps.store.subscriptions.listBySubscribers({ subscriberIds: ids, includeEnded: true });
    return new Map(subscriptions.map((s) => [s.id, s.name]));
  }
}

/** One delivery per reachable channel; the fastest frequency among the matching subscriptions wins. */
function deliveriesFor({ match, policyId, version }: { match: AudienceMatch; policyId: string; version: number }): NewDelivery[] {
  const explanation = explanationOf(match);
  return match.channels.map((channel) => {
    const hits = match.subscriptions.filter((s) => s.channels.includes(channel));
    const frequency = FREQUENCY_ORDER.find((f) => hits.some((h) => h.frequency === f)) ?? 'immediate';
    return { policyId, version, subscriberId: match.subscriberId, channel, frequency, subscriptionIds: hits.map((h) => h.subscriptionId), explanation, urgent: false };
  });
}
