/**
 * FAQ search as Elasticsearch requests, with the embedded engine's ranking.
 *
 * Without query words the order is the list order (newest change first, then policy and position)
 * and Elasticsearch pages it. With words, the final score blends the text score, relative to the
 * best candidate, with how closely each question is worded like the query (character bigrams of
 * the whole query, stop words included; see the embedded FAQ engine for why). That blend needs
 * every candidate's score before the first one can be placed, so the candidates (at most
 * FAQ_RERANK_WINDOW, best text score first, question and sort keys only) are ranked here, and only
 * the page's documents are fetched.
 */
import type { estypes } from '@elastic/elasticsearch';
import { DIMENSION_IDS, type DimensionId } from '../../../schemas/taxonomy.schema.js';
import type { FaqSearchDoc, FaqSearchRequest } from '../../ports/faq-index.port.js';
import { dice, WORDING_WEIGHT, wordingBigrams } from '../../text/wording.js';
import { normalizeText } from '../../text/text-normalizer.js';
import { FAQ_RERANK_WINDOW, FAQ_TEXT_FIELDS, MAX_RESULT_WINDOW, type AnalyzerChoice } from './elasticsearch.mappings.js';
import { calendarDay } from './elasticsearch.policy-query.js';
import { textQuery, weightedTextFields, type TextMode } from './elasticsearch.text-query.js';

export interface FaqEsDoc {
  faqId: string;
  policyId: string;
  expiresAt: string | null;
  updatedAt: string;
  position: number;
  tags: Partial<Record<DimensionId, string[]>>;
  text: Record<keyof typeof FAQ_TEXT_FIELDS, string>;
  doc: FaqSearchDoc;
}

export function toFaqEsDoc(doc: FaqSearchDoc): FaqEsDoc {
  return {
    faqId: doc.faqId,
    policyId: doc.policyId,
    expiresAt: calendarDay(doc.expiresAt),
    updatedAt: doc.updatedAt,
    position: doc.position,
    tags: Object.fromEntries(DIMENSION_IDS.flatMap((dimension) => {
      const tags = doc.tagsByDimension[dimension];
      return tags && tags.length > 0 ? [[dimension, [...new Set(tags)]]] : [];
    })),
    text: {
      question: normalizeText(doc.question),
      answer: normalizeText(doc.answer),
      policyTitle: normalizeText(doc.policyTitle),
      tagText: normalizeText(doc.tagText),
      category: normalizeText(doc.category ?? ''),
    },
    doc,
  };
}

export function faqTextQuery({ words, mode, analyzer }: { words: readonly string[]; mode: TextMode; analyzer: AnalyzerChoice }): estypes.QueryDslQueryContainer {
  return textQuery({ words, fields: weightedTextFields({ weights: FAQ_TEXT_FIELDS, analyzer }), mode });
}

/** Policy, expiry and tags (OR within a dimension, AND across). */
export function faqFilters(request: FaqSearchRequest): estypes.QueryDslQueryContainer[] {
  const filters: estypes.QueryDslQueryContainer[] = [];
  if (request.policyId) filters.push({ term: { policyId: request.policyId } });
  for (const dimension of DIMENSION_IDS) {
    const tags = request.tagFilters[dimension];
    if (tags && tags.length > 0) filters.push({ terms: { [`tags.${dimension}`]: [...new Set(tags)] } });
  }
  return filters;
}

/** FAQs of policies that expired before `today` are left out; `lt …/d` keeps the expiry day itself. */
function notExpired(today: string): estypes.QueryDslQueryContainer {
  return { range: { expiresAt: { lt: `${today}||/d` } } };
}

function pageOf(request: FaqSearchRequest): { from: number; size: number } {
  const from = Math.min(Math.max(0, Math.floor(request.offset)), MAX_RESULT_WINDOW);
  return { from, size: Math.max(0, Math.min(Math.floor(request.limit), MAX_RESULT_WINDOW - from)) };
}

/** The list order, for a request without query words. */
export const FAQ_LIST_SORT: estypes.Sort = [{ updatedAt: { order: 'desc' } }, { policyId: { order: 'asc' } }, { position: { order: 'asc' } }, { faqId: { order: 'asc' } }];

export function buildFaqListRequest(request: FaqSearchRequest): estypes.SearchRequest {
  return {
    query: { bool: { filter: faqFilters(request), must_not: [notExpired(request.today)] } },
    sort: FAQ_LIST_SORT,
    ...pageOf(request),
    track_total_hits: true,
    _source: ['doc'],
  };
}

export const FAQ_CANDIDATE_SOURCE = ['faqId', 'doc.question', 'doc.updatedAt', 'doc.policyId', 'doc.position'];

export function buildFaqCandidatesRequest({ request, words, mode, analyzer }: { request: FaqSearchRequest; words: readonly string[]; mode: TextMode; analyzer: AnalyzerChoice }): estypes.SearchRequest {
  return {
    query: { bool: { must: [faqTextQuery({ words, mode, analyzer })], filter: faqFilters(request), must_not: [notExpired(request.today)] } },
    sort: [{ _score: { order: 'desc' } }, { faqId: { order: 'asc' } }],
    track_scores: true,
    size: FAQ_RERANK_WINDOW,
    track_total_hits: true,
    _source: FAQ_CANDIDATE_SOURCE,
  };
}

export interface FaqCandidate {
  faqId: string;
  question: string;
  updatedAt: string;
  policyId: string;
  position: number;
  /** The text score from the cluster, then the blended score. */
  score: number;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Blends each candidate's text score with the wording of its question and orders them. */
export function rankFaqCandidates({ q, candidates }: { q: string; candidates: readonly FaqCandidate[] }): FaqCandidate[] {
  const ranked = candidates.map((candidate) => ({ ...candidate }));
  if (ranked.length > 0) {
    const query = wordingBigrams(q);
    const best = Math.max(...ranked.map((c) => c.score));
    for (const candidate of ranked) {
      const relevance = best > 0 ? candidate.score / best : 0;
      candidate.score = (1 - WORDING_WEIGHT) * relevance + WORDING_WEIGHT * dice(query, wordingBigrams(candidate.question));
    }
  }
  return ranked.sort(
    (a, b) =>
      b.score - a.score ||
      compareStrings(b.updatedAt, a.updatedAt) ||
      compareStrings(a.policyId, b.policyId) ||
      a.position - b.position ||
      compareStrings(a.faqId, b.faqId),
  );
}

/** The part of a FAQ the ranking reads (FAQ_CANDIDATE_SOURCE). */
export interface FaqCandidateSource {
  faqId: string;
  doc: Pick<FaqSearchDoc, 'question' | 'updatedAt' | 'policyId' | 'position'>;
}

export function toFaqCandidates(hits: readonly estypes.SearchHit<FaqCandidateSource>[]): FaqCandidate[] {
  return hits.flatMap((hit) => {
    const source = hit._source;
    if (!source) return [];
    return [{ faqId: source.faqId, question: source.doc.question, updatedAt: source.doc.updatedAt, policyId: source.doc.policyId, position: source.doc.position, score: hit._score ?? 0 }];
  });
}
