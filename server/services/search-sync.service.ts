import type { PolicyRecord, PolicyVersion } from '../../schemas/policy.schema.js';
import type { PolicySearchDoc, SearchIndex } from '../ports/search-index.port.js';
import type { Store } from '../ports/store.port.js';
import type { TaxonomyService } from './taxonomy.service.js';
import type { PublicVersions } from './public-versions.js';
import { policyTagIds } from './policy-tags.js';
import { followChanges, type ProgressReporter } from './change-follower.js';

const BATCH = 500;


/**
 * Keeps the search index a function of the store. The index remembers the last store change it
 * reflects (its watermark), so catching up after a crash, a restart or a missed notification is the
 * same operation as following a single write.
 */
export class SearchSyncService {
  private running: Promise<number> = Promise.resolve(0);

  constructor(private readonly deps: { store: Store; index: SearchIndex; taxonomy: TaxonomyService; publicVersions: PublicVersions }) {}

  /** Serialised: concurrent callers wait for the same pass instead of racing on the watermark. */
  catchUp({ onProgress }: { onProgress?: ProgressReporter } = {}): Promise<number> {
    this.running = this.running.catch(() => 0).then(() => this.pass({ onProgress }));
    return this.running;
  }

  /** Drops the index and rebuilds it from the store (the `reindex` command). */
  async rebuild({ onProgress }: { onProgress?: ProgressReporter } = {}): Promise<number> {
    const previous = this.running;
    this.running = previous
      .catch(() => 0)
      .then(async () => {
        await this.deps.index.clear();
        return this.pass({ onProgress });
      });
    return this.running;
  }

  /** Re-applies every published policy, e.g. after a taxonomy move changed expanded tags. */
  async refreshAll(): Promise<number> {
    this.running = this.running
      .catch(() => 0)
      .then(async () => {
        const ids = await this.deps.store.policies.listPublishedIds();
        await this.apply(ids);
        return ids.length;
      });
    return this.running;
  }

  private pass({ onProgress }: { onProgress?: ProgressReporter }): Promise<number> {
    const { store, index } = this.deps;
    return followChanges({
      readWatermark: () => index.getWatermark(),
      writeWatermark: (seq) => index.setWatermark(seq),
      changesSince: (input) => store.policies.changesSince(input),
      latestSeq: () => store.policies.latestSeq(),
      apply: (ids) => this.apply(ids),
      batchSize: BATCH,
      ...(onProgress ? { onProgress } : {}),
    });
  }

  private async apply(ids: string[]): Promise<void> {
    const docs: PolicySearchDoc[] = [];
    const removals: string[] = [];
    for (const id of ids) {
      const found = await this.deps.publicVersions.find({ policyId: id });
      if (!found) {
        removals.push(id);
        continue;
      }
      docs.push(this.toDoc({ policy: found.policy, version: found.current }));
    }
    if (removals.length > 0) await this.deps.index.removePolicies(removals);
    if (docs.length > 0) await this.deps.index.upsertPolicies(docs);
  }

  private toDoc({ policy, version }: { policy: PolicyRecord; version: PolicyVersion }): PolicySearchDoc {
    const taxonomy = this.deps.taxonomy.current();
    const direct = policyTagIds(version);
    const tagText = taxonomy.searchWords(direct).join(' ');
    return {
      id: policy.id,
      version: version.version,
      title: version.title,
      docNumber: version.docNumber,
      issuer: version.issuer,
      level: version.level,
      issuedAt: version.issuedAt,
      expiresAt: version.expiresAt,
      validity: policy.validity,
      applicationWindow: version.applicationWindow,
      body: version.body,
      tagText,
      tagsByDimension: taxonomy.groupByDimension({ ids: direct, expand: true }),
    };
  }
}
