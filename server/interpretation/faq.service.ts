import crypto from 'node:crypto';
import type { AuditService } from '../services/audit.service.js';
import { contentDigest } from '../services/content-digest.js';
import type { DimensionId } from '../../schemas/taxonomy.schema.js';
import type { FaqItem, FaqSearchQuery, FaqSearchResponse, PublicFaq } from '../../schemas/interpretation.schema.js';
import { invalid, invalidState, notFound } from '../errors.js';
import type { FaqIndex, FaqSearchDoc, FaqSearchHitDoc } from '../ports/faq-index.port.js';
import type { Store } from '../ports/store.port.js';
import type { Actor } from '../services/actor.js';
import type { TaxonomyService } from '../services/taxonomy.service.js';
import { effectiveValidity, shanghaiToday } from '../services/validity.js';
import { faqRelevanceRule } from './faq-relevance.js';
import type { InterpretationService } from './interpretation.service.js';
import type { PublicVersion } from '../services/public-versions.js';

type FaqWritten = (policyId: string) => Promise<void>;

export function newFaqId(): string {
  return `faq-${crypto.randomBytes(8).toString('hex')}`;
}

export function publicFaq({ id, question, answer, category, source, updatedAt }: FaqItem): PublicFaq {
  return { id, question, answer, category, source, updatedAt };
}

/**
 * The FAQ list of each policy (常见问题解答清单). Before a policy's first publication its FAQs are part
 * of the package under review and become public with it; afterwards the list is kept current at once
 * (a drafter's edit or an answered public question is public when saved), because FAQs exist to answer
 * what people ask now, between versions. Each version still freezes the list as it was published.
 */
export class FaqService {
  private readonly listeners: FaqWritten[] = [];

  constructor(
    private readonly deps: {
      store: Store;
      index: FaqIndex;
      taxonomy: TaxonomyService;
      interpretation: InterpretationService;
      now: () => Date;
      audit: AuditService;
    },
  ) {}

  private async audited({ actor, action, faq }: { actor: Actor; action: 'faq.create' | 'faq.update' | 'faq.withdraw'; faq: FaqItem }): Promise<void> {
    const digest = contentDigest({ question: faq.question, answer: faq.answer, category: faq.category });
    await this.deps.audit.record({ actor, action, targetType: 'policy', targetId: faq.policyId, digest, details: { faqId: faq.id, status: faq.status } });
  }

  onWrite(listener: FaqWritten): void {
    this.listeners.push(listener);
  }

  private async written(policyId: string): Promise<void> {
    for (const listener of this.listeners) await listener(policyId);
  }

  private at(): string {
    return this.deps.now().toISOString();
  }

  /** `resolved`: what the policy page already found for this policy (see PublicVersions.find). */
  async listPublic({ policyId, resolved }: { policyId: string; resolved?: PublicVersion }): Promise<PublicFaq[]> {
    await this.deps.interpretation.requirePublicVersion({ policyId, ...(resolved ? { resolved } : {}) });
    return (await this.deps.store.interpretation.listFaqs({ policyId, statuses: ['published'] })).map(publicFaq);
  }

  async listStaff({ policyId }: { policyId: string }): Promise<FaqItem[]> {
    await this.deps.interpretation.requirePolicy(policyId);
    return this.deps.store.interpretation.listFaqs({ policyId, statuses: ['draft', 'published'] });
  }

  /** Unpublished policies' FAQs are package content: editable only while the policy is a draft. */
  private async assertWritable({ policyId, faq }: { policyId: string; faq: FaqItem | null }): Promise<{ live: boolean }> {
    const policy = await this.deps.interpretation.requirePolicy(policyId);
    const live = policy.currentVersion !== null;
    const draftItem = faq ? faq.status === 'draft' : !live;
    if (draftItem && policy.status !== 'draft') {
      throw invalidState({
        code: 'interpretation_not_editable',
        message: '尚未发布的政策，其常见问题随解读材料一并审查：只有草稿状态时可以修改',
        details: { status: policy.status },
      });
    }
    return { live };
  }

  async create({ actor, policyId, body }: { actor: Actor; policyId: string; body: { question: string; answer: string; category: string | null } }): Promise<FaqItem> {
    const { live } = await this.assertWritable({ policyId, faq: null });
    const existing = await this.deps.store.interpretation.listFaqs({ policyId, statuses: ['draft', 'published'] });
    const at = this.at();
    const faq: FaqItem = {
      id: newFaqId(),
      policyId,
      position: existing.reduce((max, item) => Math.max(max, item.position + 1), 0),
      question: body.question,
      answer: body.answer,
      category: body.category,
      source: 'drafter',
      questionGroupId: null,
      status: live ? 'published' : 'draft',
      publishedAt: live ? at : null,
      createdAt: at,
      updatedAt: at,
      updatedBy: actor.id,
      revision: 1,
    };
    await this.deps.store.interpretation.insertFaq(faq);
    await this.audited({ actor, action: 'faq.create', faq });
    await this.written(policyId);
    return faq;
  }

  private async requireFaq({ policyId, faqId }: { policyId: string; faqId: string }): Promise<FaqItem> {
    const faq = await this.deps.store.interpretation.getFaq(faqId);
    if (!faq || faq.policyId !== policyId || faq.status === 'withdrawn') throw notFound({ code: 'faq_not_found', message: '未找到该常见问题' });
    return faq;
  }

  async update({
    actor,
    policyId,
    faqId,
    body,
  }: {
    actor: Actor;
    policyId: string;
    faqId: string;
    body: { revision: number; question?: string; answer?: string; category?: string | null };
  }): Promise<FaqItem> {
    const faq = await this.requireFaq({ policyId, faqId });
    await this.assertWritable({ policyId, faq });
    const updated: FaqItem = {
      ...faq,
      ...(body.question === undefined ? {} : { question: body.question }),
      ...(body.answer === undefined ? {} : { answer: body.answer }),
      ...(body.category === undefined ? {} : { category: body.category }),
      revision: faq.revision + 1,
      updatedAt: this.at(),
      updatedBy: actor.id,
    };
    await this.deps.store.interpretation.updateFaq({ faq: updated, expectedRevision: body.revision });
    await this.audited({ actor, action: 'faq.update', faq: updated });
    await this.written(policyId);
    return updated;
  }

  async withdraw({ actor, policyId, faqId }: { actor: Actor; policyId: string; faqId: string }): Promise<FaqItem> {
    const faq = await this.requireFaq({ policyId, faqId });
    await this.assertWritable({ policyId, faq });
    const withdrawn: FaqItem = { ...faq, status: 'withdrawn', revision: faq.revision + 1, updatedAt: this.at(), updatedBy: actor.id };
    await this.deps.store.interpretation.updateFaq({ faq: withdrawn, expectedRevision: faq.revision });
    await this.audited({ actor, action: 'faq.withdraw', faq: withdrawn });
    await this.written(policyId);
    return withdrawn;
  }

  async reorder({ actor, policyId, ids }: { actor: Actor; policyId: string; ids: string[] }): Promise<FaqItem[]> {
    const items = await this.deps.store.interpretation.listFaqs({ policyId, statuses: ['draft', 'published'] });
    const known = new Set(items.map((item) => item.id));
    if (ids.length !== known.size || new Set(ids).size !== ids.length || ids.some((id) => !known.has(id))) {
      throw invalid({ code: 'faq_order_mismatch', message: '排序须列出该政策的全部常见问题，且每条只出现一次', details: { expected: [...known] } });
    }
    if (items.some((item) => item.status === 'draft')) await this.assertWritable({ policyId, faq: items.find((item) => item.status === 'draft') ?? null });
    await this.deps.store.interpretation.reorderFaqs({ policyId, ids, at: this.at(), by: actor.id });
    await this.deps.audit.record({ actor, action: 'faq.reorder', targetType: 'policy', targetId: policyId, digest: contentDigest(ids), details: {} });
    await this.written(policyId);
    return this.listStaff({ policyId });
  }

  /** Searches published FAQs of public policies with the engine's Chinese segmentation. */
  async search(query: FaqSearchQuery): Promise<FaqSearchResponse> {
    const taxonomy = this.deps.taxonomy.current();
    const tagFilters: Partial<Record<DimensionId, string[]>> = {};
    for (const requested of query.tags ?? []) {
      const tag = taxonomy.get(requested);
      if (!tag) throw invalid({ code: 'tag_unknown', message: `未知的标签：${requested}`, details: { field: 'tags', tagId: requested } });
      const id = tag.deprecated && tag.mergedInto ? tag.mergedInto : tag.id;
      tagFilters[tag.dimension] = [...new Set([...(tagFilters[tag.dimension] ?? []), id])];
    }
    const today = shanghaiToday(this.deps.now());
    const offset = (query.page - 1) * query.pageSize;
    const request = {
      ...(query.policyId ? { policyId: query.policyId } : {}),
      tagFilters,
      today,
    };
    const rule = query.q ? faqRelevanceRule(query.q) : null;
    let total: number;
    let hits: FaqSearchHitDoc[];
    if (!query.q || !rule?.judged) {
      const result = await this.deps.index.searchFaqs({ ...request, ...(query.q ? { q: query.q } : {}), offset, limit: query.pageSize });
      total = result.total;
      hits = result.hits;
    } else {
      // Relevance is judged here, not by the engine, so every engine answers the same; the engine's
      // order is kept and the page is cut from the relevant hits.
      const window = Math.max(RELEVANCE_WINDOW, offset + query.pageSize);
      const result = await this.deps.index.searchFaqs({ ...request, q: query.q, offset: 0, limit: window });
      const relevant = result.hits.filter((hit) => rule.isRelevant(hit.doc));
      total = relevant.length;
      hits = relevant.slice(offset, offset + query.pageSize);
    }
    const noRelevantAnswer = Boolean(query.q) && total === 0;
    return {
      total,
      page: query.page,
      pageSize: query.pageSize,
      noRelevantAnswer,
      askQuestion: noRelevantAnswer ? askQuestionOffer(query.policyId ?? null) : null,
      hits: hits.map(({ doc, questionHtml, answerSnippet, score }) => ({
        faqId: doc.faqId,
        question: doc.question,
        answer: doc.answer,
        category: doc.category,
        updatedAt: doc.updatedAt,
        questionHtml,
        answerSnippet,
        score,
        policy: policyOf({ doc, today }),
      })),
    };
  }
}

/** How many hits of a plain question are judged for relevance before paging. */
const RELEVANCE_WINDOW = 200;

/**
 * Where to ask when no FAQ answers: questions are asked about one policy, so a search scoped to a
 * policy offers its form and an open search the policy search, whose pages carry the form.
 */
function askQuestionOffer(policyId: string | null): { message: string; href: string } {
  return policyId
    ? { message: '常见问题中没有足够相关的解答。您可以就本政策留言提问，工作人员一般在 3 个工作日内答复。', href: `/policies/${policyId}/questions` }
    : { message: '常见问题中没有足够相关的解答。您可以先检索相关政策，在政策页面留言提问，工作人员一般在 3 个工作日内答复。', href: '/search' };
}

function policyOf({ doc, today }: { doc: FaqSearchDoc; today: string }) {
  return {
    id: doc.policyId,
    version: doc.policyVersion,
    title: doc.policyTitle,
    docNumber: doc.docNumber,
    issuer: doc.issuer,
    validity: effectiveValidity({ validity: doc.validity, expiresAt: doc.expiresAt, today }),
  };
}
