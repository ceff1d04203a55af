import type { FaqIndex, FaqSearchDoc } from '../ports/faq-index.port.js';
import type { Store } from '../ports/store.port.js';
import { followChanges, type ProgressReporter } from '../services/change-follower.js';
import { policyTagIds } from '../services/policy-tags.js';
import type { TaxonomyService } from '../services/taxonomy.service.js';
import type { PublicVersions } from '../services/public-versions.js';

const BATCH = 200;

/**
 * Keeps the FAQ index a function of the store, following the policy change sequence with a
 * watermark of its own: FAQ edits and published replies move their policy's sequence, and so do
 * publication, revision, repeal and retagging, which decide whether a policy's FAQs are searchable.
 */
export class FaqSyncService {
  private running: Promise<number> = Promise.resolve(0);

  constructor(private readonly deps: { store: Store; index: FaqIndex; taxonomy: TaxonomyService; publicVersions: PublicVersions }) {}

  catchUp({ onProgress }: { onProgress?: ProgressReporter } = {}): Promise<number> {
    this.running = this.running.catch(() => 0).then(() => this.pass({ onProgress }));
    return this.running;
  }

  async rebuild(): Promise<number> {
    this.running = this.running
      .catch(() => 0)
      .then(async () => {
        await this.deps.index.clearFaqs();
        return this.pass({});
      });
    return this.running;
  }

  /** Re-derives every policy's FAQs, e.g. after a taxonomy change altered tag text or ancestors. */
  async refreshAll(): Promise<number> {
    this.running = this.running
      .catch(() => 0)
      .then(async () => {
        const ids = await this.deps.store.policies.listPublishedIds();
        for (let i = 0; i < ids.length; i += BATCH) await this.apply(ids.slice(i, i + BATCH));
        return ids.length;
      });
    return this.running;
  }

  private pass({ onProgress }: { onProgress?: ProgressReporter }): Promise<number> {
    const { store, index } = this.deps;
    return followChanges({
      readWatermark: () => index.getFaqWatermark(),
      writeWatermark: (seq) => index.setFaqWatermark(seq),
      changesSince: (input) => store.policies.changesSince(input),
      latestSeq: () => store.policies.latestSeq(),
      apply: (ids) => this.apply(ids),
      batchSize: BATCH,
      ...(onProgress ? { onProgress } : {}),
    });
  }

  /**
   * Searchable: published FAQs of a policy whose current version is 主动公开 and still in force
   * (现行有效; expiry is applied at query time). FAQs of a revised or repealed policy would answer
   * with rules that no longer apply.
   */
  private async apply(ids: string[]): Promise<void> {
    const docs: FaqSearchDoc[] = [];
    const taxonomy = this.deps.taxonomy.current();
    for (const id of ids) {
      const found = await this.deps.publicVersions.find({ policyId: id });
      if (!found || found.policy.validity !== 'effective') continue;
      const version = found.current;
      const direct = policyTagIds(version);
      const tagText = taxonomy.searchWords(direct);
      const faqs = await this.deps.store.interpretation.listFaqs({ policyId: id, statuses: ['published'] });
      for (const faq of faqs) {
        docs.push({
          faqId: faq.id,
          policyId: id,
          policyVersion: version.version,
          policyTitle: version.title,
          docNumber: version.docNumber,
          issuer: version.issuer,
          validity: found.policy.validity,
          expiresAt: version.expiresAt,
          question: faq.question,
          answer: faq.answer,
          category: faq.category,
          position: faq.position,
          updatedAt: faq.updatedAt,
          tagText: tagText.join(' '),
          tagsByDimension: taxonomy.groupByDimension({ ids: direct, expand: true }),
        });
      }
    }
    await this.deps.index.replaceFaqs({ policyIds: ids, docs });
  }
}
