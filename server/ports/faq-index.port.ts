import type { DimensionId } from '../../schemas/taxonomy.schema.js';
import type { Validity } from '../../schemas/policy.schema.js';

/**
 * A published FAQ of a public policy, as the search engine sees it. Like policy documents, the core
 * builds these: tags already expanded to ancestors, and only FAQs the public may read.
 */
export interface FaqSearchDoc {
  faqId: string;
  policyId: string;
  policyVersion: number;
  policyTitle: string;
  docNumber: string | null;
  issuer: string;
  validity: Validity;
  expiresAt: string | null;
  question: string;
  answer: string;
  category: string | null;
  position: number;
  updatedAt: string;
  /** Labels and synonyms of the policy's tags, searchable with a low weight. */
  tagText: string;
  tagsByDimension: Partial<Record<DimensionId, string[]>>;
}

export interface FaqSearchRequest {
  q?: string;
  /** OR within a dimension, AND across dimensions, over the policy's expanded tags. */
  tagFilters: Partial<Record<DimensionId, string[]>>;
  policyId?: string;
  offset: number;
  limit: number;
  /** `YYYY-MM-DD`, Asia/Shanghai: FAQs of policies expired before it are left out. */
  today: string;
}

export interface FaqSearchHitDoc {
  doc: FaqSearchDoc;
  /** HTML-escaped, matched words in `<mark>`. */
  questionHtml: string;
  answerSnippet: string;
  score: number;
}

/** Full-text search over FAQ lists; derived data with its own watermark on the policy change sequence. */
export interface FaqIndex {
  /** Replaces every FAQ of the given policies with `docs` (an empty list removes them). */
  replaceFaqs(input: { policyIds: string[]; docs: FaqSearchDoc[] }): Promise<void>;
  searchFaqs(request: FaqSearchRequest): Promise<{ total: number; hits: FaqSearchHitDoc[] }>;
  clearFaqs(): Promise<void>;
  getFaqWatermark(): Promise<number>;
  setFaqWatermark(seq: number): Promise<void>;
  countFaqs(): Promise<number>;
}
