/**
 * Index settings and mappings of the Elasticsearch adapter, one per kind of document, installed as
 * composable index templates so every concrete index (the first one, and each one a rebuild
 * creates) gets exactly these.
 *
 * Text is normalised in the application before it is sent (Traditional → Simplified, full-width →
 * half-width, lower case; `server/text/text-normalizer.ts`), as the embedded engine does, so the
 * cluster needs no ICU or OpenCC plugin for that.
 *
 * Analyzers:
 * - `cjk` (stock cluster): the standard tokenizer with the built-in `cjk_width` and `cjk_bigram`
 *   filters. Indexing keeps the single characters as well as the bigrams (`output_unigrams`), so
 *   a one-character query word (沪, 号) is found inside a run of Chinese; searching emits bigrams
 *   only, whose positions line up with the indexed bigrams for phrase queries. The stock `cjk`
 *   analyzer drops the single characters inside runs, and its English stop list is of no use here.
 * - `smartcn` / `ik` (plugins, by configuration): the plugin's analyzer on the main field, and the
 *   bigram analysis above on a `.cjk` subfield for recall. IK uses `ik_smart` on both sides:
 *   `ik_max_word` emits overlapping words at consecutive positions, which breaks phrase queries.
 */
import type { estypes } from '@elastic/elasticsearch';
import { PROFILE_DIMENSIONS } from '../../../schemas/subscriber.schema.js';
import { DIMENSION_IDS } from '../../../schemas/taxonomy.schema.js';

export type AnalyzerChoice = 'cjk' | 'smartcn' | 'ik';
export type IndexKind = 'policies' | 'faqs' | 'profiles' | 'subscriptions';
export const INDEX_KINDS: readonly IndexKind[] = ['policies', 'faqs', 'profiles', 'subscriptions'];

/**
 * Bump when a mapping, an analyzer or the document layout changes: an index built by another
 * version (or with another analyzer) is replaced by an empty one at start and rebuilt by the sync,
 * as the embedded engine drops a SQLite index of another schema version.
 */
export const SCHEMA_VERSION = 1;

export const CJK_INDEX_ANALYZER = 'pp_cjk_index';
export const CJK_SEARCH_ANALYZER = 'pp_cjk_search';
const CJK_BIGRAM_WITH_UNIGRAMS = 'pp_cjk_bigram_unigrams';
/** Analyzers each plugin must provide; checked at start so a missing plugin fails loudly. */
export const PLUGIN_ANALYZERS: Record<Exclude<AnalyzerChoice, 'cjk'>, string> = { smartcn: 'smartcn', ik: 'ik_smart' };

/** Deep pages of the public search: the API allows page 1000 of 100. */
export const MAX_RESULT_WINDOW = 100_000;
/** FAQ candidates re-ranked in the application per query (see elasticsearch.faq-query.ts). */
export const FAQ_RERANK_WINDOW = 10_000;

/**
 * Shards: the policy library and FAQ lists are small and a single shard gives exact facet counts
 * and one set of BM25 statistics, so scores do not depend on which shard holds a document.
 * Profiles are small documents read by id and by terms filters; subscriptions are percolated, which
 * is CPU work per shard, so two shards let a large node percolate in parallel.
 */
const SHARDS: Record<IndexKind, number> = { policies: 1, faqs: 1, profiles: 1, subscriptions: 2 };

/** `_meta` of every concrete index: what built it, compared at start. */
export interface IndexFingerprint {
  kind: IndexKind;
  schema: number;
  analyzer: AnalyzerChoice;
}

export function fingerprintOf({ kind, analyzer }: { kind: IndexKind; analyzer: AnalyzerChoice }): IndexFingerprint {
  // Audience indices hold no analysed text: changing the analyzer must not force their rebuild.
  return { kind, schema: SCHEMA_VERSION, analyzer: kind === 'policies' || kind === 'faqs' ? analyzer : 'cjk' };
}

export function sameFingerprint(a: IndexFingerprint, meta: Record<string, unknown> | undefined): boolean {
  return meta !== undefined && meta.kind === a.kind && meta.schema === a.schema && meta.analyzer === a.analyzer;
}

export interface IndexNames {
  /** What every read and write goes through; points at exactly one concrete index. */
  alias: string;
  /** Pattern of the concrete indices, matched by the template. */
  pattern: string;
  template: string;
}

export function indexNames({ prefix, kind }: { prefix: string; kind: IndexKind }): IndexNames {
  return { alias: `${prefix}-${kind}`, pattern: `${prefix}-${kind}-*`, template: `${prefix}-${kind}` };
}

/** Watermarks live in a small index of their own, read by id (real-time GET, no refresh needed). */
export function metaIndexName(prefix: string): string {
  return `${prefix}-meta`;
}

const keyword: estypes.MappingProperty = { type: 'keyword' };
/** Display data only: kept in `_source`, neither indexed nor parsed. */
const opaque: estypes.MappingProperty = { type: 'object', enabled: false };
/**
 * Calendar days, stored as `YYYY-MM-DD` (UTC midnight). Not keywords: a range over a keyword is an
 * "expensive query" a cluster may forbid (`search.allow_expensive_queries`). Queries round their
 * bounds to the day explicitly (`||/d`), so a bound never means a time of day.
 */
const day: estypes.MappingProperty = { type: 'date', format: 'strict_date' };

function cjkText(): estypes.MappingTextProperty {
  return { type: 'text', analyzer: CJK_INDEX_ANALYZER, search_analyzer: CJK_SEARCH_ANALYZER };
}

export function textProperty(analyzer: AnalyzerChoice): estypes.MappingTextProperty {
  if (analyzer === 'cjk') return cjkText();
  const main = PLUGIN_ANALYZERS[analyzer];
  return { type: 'text', analyzer: main, search_analyzer: main, fields: { cjk: cjkText() } };
}

function objectOf(fields: readonly string[], property: estypes.MappingProperty): estypes.MappingObjectProperty {
  return { type: 'object', dynamic: 'strict', properties: Object.fromEntries(fields.map((field) => [field, property])) };
}

function analysis(): estypes.IndicesIndexSettingsAnalysis {
  return {
    filter: { [CJK_BIGRAM_WITH_UNIGRAMS]: { type: 'cjk_bigram', output_unigrams: true } },
    analyzer: {
      [CJK_INDEX_ANALYZER]: { type: 'custom', tokenizer: 'standard', filter: ['cjk_width', 'lowercase', CJK_BIGRAM_WITH_UNIGRAMS] },
      [CJK_SEARCH_ANALYZER]: { type: 'custom', tokenizer: 'standard', filter: ['cjk_width', 'lowercase', 'cjk_bigram'] },
    },
  };
}

export function indexSettings(kind: IndexKind): estypes.IndicesIndexSettings {
  const settings: estypes.IndicesIndexSettings = {
    number_of_shards: SHARDS[kind],
    // No replica on a single node (a green cluster), one as soon as there is a second node.
    auto_expand_replicas: '0-1',
    refresh_interval: '1s',
  };
  if (kind === 'policies' || kind === 'faqs') {
    settings.max_result_window = MAX_RESULT_WINDOW;
    settings.analysis = analysis();
  }
  return settings;
}

/** The text columns of a policy, in the embedded engine's column order, with its bm25 weights. */
export const POLICY_TEXT_FIELDS = { title: 10, tagText: 4, body: 1, docNumber: 3, issuer: 2 } as const;
/** The text columns of a FAQ with the embedded engine's weights: the question says what a FAQ is about. */
export const FAQ_TEXT_FIELDS = { question: 8, answer: 2, policyTitle: 3, tagText: 1, category: 2 } as const;

export function indexMappings({ kind, analyzer }: { kind: IndexKind; analyzer: AnalyzerChoice }): estypes.MappingTypeMapping {
  const fingerprint = fingerprintOf({ kind, analyzer });
  const base = { dynamic: 'strict' as const, _meta: { ...fingerprint } };
  const text = textProperty(analyzer);
  switch (kind) {
    case 'policies':
      return {
        ...base,
        properties: {
          id: keyword,
          version: { type: 'integer' },
          issuerKey: keyword,
          issuedAt: day,
          expiresAt: day,
          validity: keyword,
          undatedId: keyword,
          tags: objectOf(DIMENSION_IDS, keyword),
          text: objectOf(Object.keys(POLICY_TEXT_FIELDS), text),
          display: opaque,
        },
      };
    case 'faqs':
      return {
        ...base,
        properties: {
          faqId: keyword,
          policyId: keyword,
          expiresAt: day,
          updatedAt: keyword,
          position: { type: 'integer' },
          tags: objectOf(DIMENSION_IDS, keyword),
          text: objectOf(Object.keys(FAQ_TEXT_FIELDS), text),
          doc: opaque,
        },
      };
    case 'profiles':
      return {
        ...base,
        properties: {
          subscriberId: keyword,
          kind: keyword,
          parkId: keyword,
          attributes: objectOf(PROFILE_DIMENSIONS, keyword),
          stated: keyword,
          reachable: keyword,
        },
      };
    case 'subscriptions':
      return {
        ...base,
        properties: {
          subscriptionId: keyword,
          subscriberId: keyword,
          eligibleOnly: { type: 'boolean' },
          doc: opaque,
          query: { type: 'percolator' },
          // The fields of the policy document percolated on publication; no stored document has them.
          policy: {
            type: 'object',
            dynamic: 'strict',
            properties: {
              tags: objectOf(DIMENSION_IDS, keyword),
              // Segmented words are short; the bound keeps a pathological token from failing the percolation.
              terms: { type: 'keyword', ignore_above: 256 },
            },
          },
        },
      };
  }
}

export function indexTemplate({ prefix, kind, analyzer }: { prefix: string; kind: IndexKind; analyzer: AnalyzerChoice }): estypes.IndicesPutIndexTemplateRequest {
  const names = indexNames({ prefix, kind });
  return {
    name: names.template,
    index_patterns: [names.pattern],
    // Above the built-in templates (100), so a stray built-in pattern can never win.
    priority: 200,
    template: { settings: indexSettings(kind), mappings: indexMappings({ kind, analyzer }) },
    _meta: { ...fingerprintOf({ kind, analyzer }), description: 'policy-push search adapter' },
  };
}

/**
 * A watermark and its rebuild generation. Added to an existing meta index at every start (adding
 * fields is the one mapping change an index accepts), so the meta index never needs rebuilding.
 */
export function metaProperties(): Record<string, estypes.MappingProperty> {
  return { seq: { type: 'long' }, generation: { type: 'long' } };
}

export function metaIndexBody(): { settings: estypes.IndicesIndexSettings; mappings: estypes.MappingTypeMapping } {
  return {
    settings: { number_of_shards: 1, auto_expand_replicas: '0-1' },
    mappings: { dynamic: 'strict', properties: metaProperties() },
  };
}
