import type { DimensionId } from '../../schemas/taxonomy.schema.js';
import type { PolicySort, Validity } from '../../schemas/policy.schema.js';
import type { AudienceIndex } from './audience-index.port.js';
import type { FaqIndex } from './faq-index.port.js';

/**
 * A published, public policy as the search engine sees it. The core builds it: tags are already
 * expanded to their ancestors (so a filter on 上海市 finds a policy tagged 浦东新区), and only
 * 主动公开 policies are ever handed to the index, which therefore cannot leak the others.
 */
export interface PolicySearchDoc {
  id: string;
  version: number;
  title: string;
  docNumber: string | null;
  issuer: string;
  level: string | null;
  issuedAt: string | null;
  expiresAt: string | null;
  /** Stored validity; the index reports `expired` itself once `expiresAt` is before the query's `today`. */
  validity: Validity;
  applicationWindow: { opensAt: string; closesAt: string } | null;
  body: string;
  /** Labels and synonyms of the policy's tags, searchable like the text. */
  tagText: string;
  tagsByDimension: Partial<Record<DimensionId, string[]>>;
}

export interface PolicySearchRequest {
  q?: string;
  /** OR within a dimension, AND across dimensions. */
  tagFilters: Partial<Record<DimensionId, string[]>>;
  validity?: Validity[];
  issuer?: string;
  issuedFrom?: string;
  issuedTo?: string;
  sort: PolicySort;
  offset: number;
  limit: number;
  facets: boolean;
  /** `YYYY-MM-DD` in Asia/Shanghai; decides which policies have expired. */
  today: string;
}

export interface PolicySearchHitDoc {
  id: string;
  version: number;
  title: string;
  docNumber: string | null;
  issuer: string;
  level: string | null;
  issuedAt: string | null;
  validity: Validity;
  applicationWindow: { opensAt: string; closesAt: string } | null;
  /** HTML-escaped excerpt of the body with query terms wrapped in `<mark>`. */
  snippet: string;
  score: number;
}

export interface PolicySearchFacets {
  /**
   * Count per tag id within each dimension. Disjunctive: a dimension's counts apply every filter
   * except that dimension's own, so choosing 浦东新区 still shows how many 徐汇区 would add.
   */
  tags: Partial<Record<DimensionId, Record<string, number>>>;
  validity: Partial<Record<Validity, number>>;
}

export interface PolicySearchResult {
  total: number;
  hits: PolicySearchHitDoc[];
  facets: PolicySearchFacets | null;
}

/** Full-text policy search plus audience matching over subscriber profiles (see AudienceIndex). */
export interface SearchIndex extends AudienceIndex, FaqIndex {
  readonly kind: string;
  /**
   * Whether a search computes on the caller's own event loop: the search service then gives
   * searches slices of the loop's time, and otherwise (another thread, another server) keeps
   * several in flight.
   */
  readonly searchesOnCallerLoop: boolean;
  open(): Promise<void>;
  close(): Promise<void>;
  ping(): Promise<void>;
  upsertPolicies(docs: PolicySearchDoc[]): Promise<void>;
  removePolicies(ids: string[]): Promise<void>;
  /** Read-only: the embedded index hands one frozen result to every caller asking the same. */
  searchPolicies(request: PolicySearchRequest): Promise<PolicySearchResult>;
  /**
   * The answer `searchPolicies` would give when it is at hand without computing (a result cache),
   * else null. Lets a caller answer a repeated search without waiting for a computing slot.
   */
  peekPolicies(request: PolicySearchRequest): PolicySearchResult | null;
  /** Removes every document and resets the watermark (full rebuild). */
  clear(): Promise<void>;
  /** Highest store change sequence the index reflects. */
  getWatermark(): Promise<number>;
  setWatermark(seq: number): Promise<void>;
  countPolicies(): Promise<number>;
}
