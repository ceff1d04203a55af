/**
 * Search index embedded in the application process: SQLite FTS5 for text relevance, in-memory
 * bitsets for filters, facets, sorting and pagination.
 *
 * Why this split: FTS5 answers "which documents contain these words, how well" quickly, but
 * disjunctive facets over ten dimensions would take one GROUP BY per dimension per query. Keeping
 * each document's filter fields in memory, indexed by a dense slot number, turns every filter into
 * a word-wise AND of Uint32Arrays and every facet count into a popcount, which costs microseconds
 * at ten thousand documents.
 *
 * Text is normalised (Traditional → Simplified, full-width → half-width, lower case) and segmented
 * by jieba before it reaches FTS5; the `unicode61` tokenizer then only splits on the spaces we put
 * between words (it treats CJK characters as word characters, so 知识产权 stays one token).
 *
 * A second FTS5 table holds the character bigrams inside long words, for recall only: a query word
 * the dictionary does not know is looked up there as a bigram phrase, so it is found inside longer
 * words too (张江 inside 张江科学城), as Elasticsearch's `cjk` bigram subfield finds it.
 *
 * Both FTS5 tables keep their own copy of the token strings (ordinary, not contentless, tables):
 * deleting a row then subtracts exactly what inserting it added from the row count and token
 * totals bm25 reads. A contentless table with `contentless_delete=1` cannot, so every re-applied
 * document used to inflate the row count and shift every score and order.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { DimensionId } from '../../../schemas/taxonomy.schema.js';
import type { Validity } from '../../../schemas/policy.schema.js';
import { DomainError } from '../../errors.js';
import type { AudienceMatch, AudiencePolicy, AudienceSummary, ProfileDoc, SubscriptionDoc } from '../../ports/audience-index.port.js';
import type {
  PolicySearchDoc,
  PolicySearchFacets,
  PolicySearchHitDoc,
  PolicySearchRequest,
  PolicySearchResult,
  SearchIndex,
} from '../../ports/search-index.port.js';
import { analyzeForIndex, compoundParts, recallGrams, segmentQuery } from '../../text/segmenter.js';
import { policySnippet } from '../../text/highlight.js';
import { normalizeText } from '../../text/text-normalizer.js';
import { EmbeddedAudienceIndex } from './embedded.audience-index.js';
import { EmbeddedFaqIndex } from './embedded.faq-index.js';
import { DEFAULT_BUSY_TIMEOUT_MS, openDatabase } from '../sqlite/sqlite.support.js';
import type { FaqSearchDoc, FaqSearchHitDoc, FaqSearchRequest } from '../../ports/faq-index.port.js';

/** Bump when the stored layout or the tokenisation changes: the index is then emptied and rebuilt. */
const SCHEMA_VERSION = '2';

/** bm25 weights in column order: title ≫ tag text > document number, issuer > body. */
const BM25_WEIGHTS = { title: 10, tagText: 4, body: 1, docNumber: 3, issuer: 2 } as const;

/** Matching rows × phrases worth scoring over every field; about a microsecond each. */
const SCORING_BUDGET = 20_000;
/** The fields whose bm25 weight dominates; scoring them alone still ranks title matches first. */
const HIGH_WEIGHT_FIELDS = '{title tag_text}';
/** Share of a word's matches that must hold it whole for the parts to be left out of scoring. */
const WHOLE_WORD_SHARE = 0.9;
/** Above this many wanted hits a full sort beats insertion into a sorted buffer. */
const TOP_K_LIMIT = 256;
/**
 * Results kept for repeated requests. The search page asks the same few questions over and over
 * (first pages, popular keywords, facet browsing), each costing milliseconds of CPU, while a
 * cached answer costs microseconds. A page of 20 hits with facets is some 20 KB, so the cache holds
 * a few megabytes, a few tens at the largest pages of 100.
 */
const DEFAULT_RESULT_CACHE_SIZE = 256;

const VALIDITIES = ['effective', 'revised', 'repealed', 'expired'] as const satisfies readonly Validity[];
const EFFECTIVE = 0;
const EXPIRED = 3;

// ---------------------------------------------------------------------------------------------
// Bitsets (positional arguments on purpose: these run inside per-slot loops)

function popcount32(value: number): number {
  let v = value - ((value >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

function popcount(words: Uint32Array): number {
  let count = 0;
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? 0;
    if (word !== 0) count += popcount32(word);
  }
  return count;
}

function countAnd(a: Uint32Array, b: Uint32Array): number {
  let count = 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const word = (a[i] ?? 0) & (b[i] ?? 0);
    if (word !== 0) count += popcount32(word);
  }
  return count;
}

function andInto(target: Uint32Array, source: Uint32Array): void {
  for (let i = 0; i < target.length; i++) target[i] = (target[i] ?? 0) & (source[i] ?? 0);
}

function orInto(target: Uint32Array, source: Uint32Array): void {
  for (let i = 0; i < target.length; i++) target[i] = (target[i] ?? 0) | (source[i] ?? 0);
}

function forEachBit(words: Uint32Array, visit: (slot: number) => void): void {
  for (let i = 0; i < words.length; i++) {
    let word = words[i] ?? 0;
    while (word !== 0) {
      const lowest = word & -word;
      visit(i * 32 + 31 - Math.clz32(lowest));
      word ^= lowest;
    }
  }
}

function hasBit(words: Uint32Array, slot: number): boolean {
  return (((words[slot >>> 5] ?? 0) >>> (slot & 31)) & 1) === 1;
}

/** A growable bitset over slots; the index grows all of them together. */
class Bitset {
  words: Uint32Array;

  constructor(wordCount: number) {
    this.words = new Uint32Array(wordCount);
  }

  grow(wordCount: number): void {
    if (wordCount <= this.words.length) return;
    const words = new Uint32Array(wordCount);
    words.set(this.words);
    this.words = words;
  }

  add(slot: number): void {
    const i = slot >>> 5;
    this.words[i] = (this.words[i] ?? 0) | (1 << (slot & 31));
  }

  delete(slot: number): void {
    const i = slot >>> 5;
    this.words[i] = (this.words[i] ?? 0) & ~(1 << (slot & 31));
  }
}

// ---------------------------------------------------------------------------------------------
// Stored documents

/** What the docs table keeps as JSON: everything a hit shows and every filter reads. */
interface StoredFields {
  version: number;
  title: string;
  docNumber: string | null;
  issuer: string;
  level: string | null;
  issuedAt: string | null;
  expiresAt: string | null;
  validity: Validity;
  applicationWindow: { opensAt: string; closesAt: string } | null;
  tagsByDimension: Partial<Record<DimensionId, string[]>>;
}

interface SlotEntry {
  id: string;
  fields: StoredFields;
  issuerKey: string;
}

interface PreparedDoc {
  id: string;
  fields: StoredFields;
  fieldsJson: string;
  body: string;
  normalizedBody: string;
  words: FtsColumns;
  grams: FtsColumns;
}

/** Space-separated terms per column, in the column order of both FTS5 tables. */
type FtsColumns = [title: string, tagText: string, body: string, docNumber: string, issuer: string];

function dayNumber(date: string | null | undefined): number {
  if (!date) return 0;
  const value = Number(date.slice(0, 4)) * 10_000 + Number(date.slice(5, 7)) * 100 + Number(date.slice(8, 10));
  return Number.isFinite(value) ? value : 0;
}

function issuerKey(issuer: string): string {
  return normalizeText(issuer.trim());
}

function ftsColumns(doc: PolicySearchDoc): { words: FtsColumns; grams: FtsColumns } {
  const analysed = [doc.title, doc.tagText, doc.body, doc.docNumber, doc.issuer].map((text) =>
    text ? analyzeForIndex(text) : { words: [], grams: [] },
  );
  const column = (i: number, kind: 'words' | 'grams'): string => analysed[i]?.[kind].join(' ') ?? '';
  return {
    words: [column(0, 'words'), column(1, 'words'), column(2, 'words'), column(3, 'words'), column(4, 'words')],
    grams: [column(0, 'grams'), column(1, 'grams'), column(2, 'grams'), column(3, 'grams'), column(4, 'grams')],
  };
}

function prepareDoc(doc: PolicySearchDoc): PreparedDoc {
  const fields: StoredFields = {
    version: doc.version,
    title: doc.title,
    docNumber: doc.docNumber,
    issuer: doc.issuer,
    level: doc.level,
    issuedAt: doc.issuedAt,
    expiresAt: doc.expiresAt,
    validity: doc.validity,
    applicationWindow: doc.applicationWindow,
    tagsByDimension: doc.tagsByDimension,
  };
  return {
    id: doc.id,
    fields,
    fieldsJson: JSON.stringify(fields),
    body: doc.body,
    normalizedBody: normalizeText(doc.body),
    ...ftsColumns(doc),
  };
}

/** Later copies of an id win, as if the upserts had been made one after another. */
function latestById(docs: PolicySearchDoc[]): PolicySearchDoc[] {
  const byId = new Map<string, PolicySearchDoc>();
  for (const doc of docs) {
    byId.delete(doc.id);
    byId.set(doc.id, doc);
  }
  return [...byId.values()];
}

function tagEntries(tags: Partial<Record<DimensionId, string[]>>): [DimensionId, string[]][] {
  return Object.entries(tags).filter((entry): entry is [DimensionId, string[]] => Array.isArray(entry[1]));
}

// ---------------------------------------------------------------------------------------------
// In-memory state

/**
 * Filter fields of every document by slot. A slot is the document's rowid in both SQLite tables,
 * so FTS5 results index these arrays directly; freed slots are reused to keep the arrays dense.
 */
class MemoryState {
  private wordCount = 0;
  private capacity = 0;
  private nextSlot = 0;
  private freeSlots: number[] = [];
  entries: (SlotEntry | undefined)[] = [];
  readonly slotById = new Map<string, number>();
  readonly alive = new Bitset(0);
  readonly tagBits = new Map<DimensionId, Map<string, Bitset>>();
  readonly issuerBits = new Map<string, Bitset>();
  issuedDay: Int32Array = new Int32Array(0);
  expiresDay: Int32Array = new Int32Array(0);
  storedValidity: Uint8Array = new Uint8Array(0);
  private mutation = 0;
  private derived: { today: number; mutation: number; validity: Uint8Array } | null = null;
  private issuedOrder: { mutation: number; dated: Int32Array; undated: Int32Array } | null = null;

  get size(): number {
    return this.slotById.size;
  }

  get words(): number {
    return this.wordCount;
  }

  /** Slots for new ids, without committing them: `release` undoes a failed write. */
  allocate(): number {
    const reused = this.freeSlots.pop();
    if (reused !== undefined) return reused;
    const slot = this.nextSlot;
    this.nextSlot += 1;
    return slot;
  }

  snapshotAllocation(): { nextSlot: number; freeSlots: number[] } {
    return { nextSlot: this.nextSlot, freeSlots: [...this.freeSlots] };
  }

  restoreAllocation(snapshot: { nextSlot: number; freeSlots: number[] }): void {
    this.nextSlot = snapshot.nextSlot;
    this.freeSlots = snapshot.freeSlots;
  }

  /** After loading stored rows: every slot below the highest one that holds nothing is free. */
  settleFreeSlots(): void {
    this.nextSlot = this.entries.length;
    this.freeSlots = [];
    for (let slot = this.entries.length - 1; slot >= 0; slot--) {
      if (this.entries[slot] === undefined) this.freeSlots.push(slot);
    }
  }

  put({ slot, id, fields }: { slot: number; id: string; fields: StoredFields }): void {
    this.ensureCapacity(slot + 1);
    this.clearSlot(slot);
    const entry: SlotEntry = { id, fields, issuerKey: issuerKey(fields.issuer) };
    this.entries[slot] = entry;
    this.slotById.set(id, slot);
    this.alive.add(slot);
    this.issuedDay[slot] = dayNumber(fields.issuedAt);
    this.expiresDay[slot] = dayNumber(fields.expiresAt);
    this.storedValidity[slot] = Math.max(0, VALIDITIES.indexOf(fields.validity));
    this.bitsetFor({ map: this.issuerBits, key: entry.issuerKey }).add(slot);
    for (const [dimension, tagIds] of tagEntries(fields.tagsByDimension)) {
      const byTag = this.dimensionBits(dimension);
      for (const tagId of tagIds) this.bitsetFor({ map: byTag, key: tagId }).add(slot);
    }
    this.mutation += 1;
  }

  remove(id: string): void {
    const slot = this.slotById.get(id);
    if (slot === undefined) return;
    this.clearSlot(slot);
    this.freeSlots.push(slot);
    this.mutation += 1;
  }

  reset(): void {
    this.wordCount = 0;
    this.capacity = 0;
    this.nextSlot = 0;
    this.freeSlots = [];
    this.entries = [];
    this.slotById.clear();
    this.alive.words = new Uint32Array(0);
    this.tagBits.clear();
    this.issuerBits.clear();
    this.issuedDay = new Int32Array(0);
    this.expiresDay = new Int32Array(0);
    this.storedValidity = new Uint8Array(0);
    this.mutation += 1;
  }

  /** Validity as of `today`: an `effective` policy past its expiry date reports as `expired`. */
  derivedValidity(today: number): Uint8Array {
    if (this.derived && this.derived.today === today && this.derived.mutation === this.mutation) return this.derived.validity;
    const validity = new Uint8Array(this.capacity);
    for (let slot = 0; slot < this.capacity; slot++) {
      const stored = this.storedValidity[slot] ?? EFFECTIVE;
      const expires = this.expiresDay[slot] ?? 0;
      validity[slot] = stored === EFFECTIVE && expires !== 0 && expires < today ? EXPIRED : stored;
    }
    this.derived = { today, mutation: this.mutation, validity };
    return validity;
  }

  /** Slots with an issue date in ascending (date, id) order, and the undated ones by id. */
  orderByIssued(): { dated: Int32Array; undated: Int32Array } {
    if (this.issuedOrder && this.issuedOrder.mutation === this.mutation) return this.issuedOrder;
    const dated: number[] = [];
    const undated: number[] = [];
    forEachBit(this.alive.words, (slot) => ((this.issuedDay[slot] ?? 0) === 0 ? undated : dated).push(slot));
    const byId = (a: number, b: number): number => compareIds(this.entries[a]?.id, this.entries[b]?.id);
    dated.sort((a, b) => (this.issuedDay[a] ?? 0) - (this.issuedDay[b] ?? 0) || byId(a, b));
    undated.sort(byId);
    this.issuedOrder = { mutation: this.mutation, dated: Int32Array.from(dated), undated: Int32Array.from(undated) };
    return this.issuedOrder;
  }

  private clearSlot(slot: number): void {
    const previous = this.entries[slot];
    if (!previous) return;
    this.issuerBits.get(previous.issuerKey)?.delete(slot);
    for (const [dimension, tagIds] of tagEntries(previous.fields.tagsByDimension)) {
      const byTag = this.tagBits.get(dimension);
      for (const tagId of tagIds) byTag?.get(tagId)?.delete(slot);
    }
    this.alive.delete(slot);
    this.slotById.delete(previous.id);
    this.entries[slot] = undefined;
    this.issuedDay[slot] = 0;
    this.expiresDay[slot] = 0;
    this.storedValidity[slot] = EFFECTIVE;
  }

  private dimensionBits(dimension: DimensionId): Map<string, Bitset> {
    let byTag = this.tagBits.get(dimension);
    if (!byTag) {
      byTag = new Map();
      this.tagBits.set(dimension, byTag);
    }
    return byTag;
  }

  private bitsetFor({ map, key }: { map: Map<string, Bitset>; key: string }): Bitset {
    let bits = map.get(key);
    if (!bits) {
      bits = new Bitset(this.wordCount);
      map.set(key, bits);
    }
    return bits;
  }

  private ensureCapacity(slots: number): void {
    if (slots <= this.capacity) return;
    const capacity = Math.max(1024, this.capacity * 2, Math.ceil(slots / 32) * 32);
    this.capacity = capacity;
    this.wordCount = capacity / 32;
    this.alive.grow(this.wordCount);
    for (const byTag of this.tagBits.values()) for (const bits of byTag.values()) bits.grow(this.wordCount);
    for (const bits of this.issuerBits.values()) bits.grow(this.wordCount);
    this.issuedDay = grownInt32({ array: this.issuedDay, length: capacity });
    this.expiresDay = grownInt32({ array: this.expiresDay, length: capacity });
    const validity = new Uint8Array(capacity);
    validity.set(this.storedValidity);
    this.storedValidity = validity;
  }
}

function grownInt32({ array, length }: { array: Int32Array; length: number }): Int32Array {
  const grown = new Int32Array(length);
  grown.set(array);
  return grown;
}

function compareIds(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  return (a ?? '') < (b ?? '') ? -1 : 1;
}

// ---------------------------------------------------------------------------------------------
// Query text

/** One query word as FTS5 syntax: the word whole, or all of its parts. */
interface WordGroup {
  word: string;
  expression: string;
  phrases: number;
  /** Bigram phrase for the recall table, when the word index alone can miss the word. */
  grams: string | null;
}

interface TextQuery {
  groups: WordGroup[];
  /** Normalised words to paint in the snippet, longest first. */
  highlightTerms: string[];
}

/** A double-quoted FTS5 string is always a plain phrase, whatever it contains. */
function quote(token: string): string {
  return `"${token.replaceAll('"', '""')}"`;
}

/** A word matches whole, or through all of its parts when the document was segmented differently. */
function wordGroup(word: string): WordGroup {
  const parts = compoundParts(word);
  const bigrams = recallGrams(word);
  // A quoted string of several bigrams is a phrase: the bigrams one after another, i.e. the word.
  const grams = bigrams.length > 0 ? quote(bigrams.join(' ')) : null;
  if (parts.length === 0) return { word, expression: quote(word), phrases: 1, grams };
  return { word, expression: `(${quote(word)} OR (${parts.map(quote).join(' AND ')}))`, phrases: 1 + parts.length, grams };
}

function highlightTermsFor(words: string[]): string[] {
  const terms = new Set<string>();
  for (const word of words) {
    terms.add(word);
    // A lone character such as 级 would light up half the body.
    for (const part of compoundParts(word)) if ([...part].length > 1) terms.add(part);
  }
  return [...terms].sort((a, b) => b.length - a.length);
}

function parseTextQuery(q: string | undefined): TextQuery | null {
  if (!q || q.trim() === '') return null;
  const words = segmentQuery(q);
  if (words.length === 0) return null;
  return { groups: words.map(wordGroup), highlightTerms: highlightTermsFor(words) };
}

// ---------------------------------------------------------------------------------------------
// Search

interface TextMatch {
  query: TextQuery;
  /** Documents holding every word, or any word when none holds them all. */
  bits: Uint32Array;
  /** Per word, the documents holding it; its popcount is the word's document frequency. */
  groupBits: Uint32Array[];
  /** Per word, the documents found through the word index; the others only through bigrams. */
  wordBits: Uint32Array[];
}

interface FilterMasks {
  /** Every filter but tags and validity, including the text match. */
  base: Uint32Array;
  /** OR of the chosen tags, per filtered dimension. */
  dimensions: Map<DimensionId, Uint32Array>;
  validity: Uint32Array | null;
}

interface HitInput {
  slot: number;
  terms: string[];
  scores: Float64Array | null;
  validity: Uint8Array;
  statements: Statements;
}

type SqliteDatabase = Database.Database;
type FtsRow = [slot: number, ...columns: FtsColumns];

interface Statements {
  getMeta: Database.Statement<[string], string>;
  setMeta: Database.Statement<[string, string]>;
  insertDoc: Database.Statement<[number, string, string, string, string]>;
  deleteDoc: Database.Statement<[number]>;
  insertFts: Database.Statement<FtsRow>;
  deleteFts: Database.Statement<[number]>;
  insertGrams: Database.Statement<FtsRow>;
  deleteGrams: Database.Statement<[number]>;
  matchRowids: Database.Statement<[string], number>;
  matchGramRowids: Database.Statement<[string], number>;
  wordDocuments: Database.Statement<[string], number>;
  matchScored: Database.Statement<[string], [number, number]>;
  matchGramsScored: Database.Statement<[string], [number, number]>;
  bodyOf: Database.Statement<[number], { body: string; body_norm: string }>;
  loadDocs: Database.Statement<[], { slot: number; id: string; fields: string }>;
}

// ---------------------------------------------------------------------------------------------
// Result cache

/**
 * The request reduced to what decides its result, in a fixed order, so equivalent requests share
 * an entry: dimensions and validities in any order, an empty issuer or query as none. Tag ids keep
 * their order, which decides the key order of the facet counts of chosen tags.
 */
function cacheKey(request: PolicySearchRequest): string {
  const issuer = request.issuer === undefined || request.issuer.trim() === '' ? '' : issuerKey(request.issuer);
  const dimensions = tagEntries(request.tagFilters)
    .filter(([, tagIds]) => tagIds.length > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([
    request.q?.trim() ?? '',
    dimensions,
    [...new Set(request.validity ?? [])].sort(),
    issuer,
    request.issuedFrom ?? '',
    request.issuedTo ?? '',
    request.sort,
    request.offset,
    request.limit,
    request.facets,
    request.today,
  ]);
}

/** A copy sharing nothing mutable with the cached result, so a caller cannot change the cache. */
function copyResult(result: PolicySearchResult): PolicySearchResult {
  return {
    total: result.total,
    hits: result.hits.map((hit) => ({ ...hit, applicationWindow: hit.applicationWindow ? { ...hit.applicationWindow } : null })),
    facets: result.facets
      ? {
          tags: Object.fromEntries(Object.entries(result.facets.tags).map(([dimension, counts]) => [dimension, { ...counts }])),
          validity: { ...result.facets.validity },
        }
      : null,
  };
}

/**
 * Least recently used results by request, as Elasticsearch's request cache keeps them: every
 * write empties it, so an entry never outlives the documents it was computed from, and `today` is
 * part of the key, so a policy that expires overnight is reported expired the next day.
 */
class ResultCache {
  private readonly entries = new Map<string, PolicySearchResult>();

  constructor(private capacity: number) {}

  get(key: string): PolicySearchResult | undefined {
    const result = this.entries.get(key);
    if (result === undefined) return undefined;
    // Re-inserting moves the key to the end of the Map's order, which is its recency.
    this.entries.delete(key);
    this.entries.set(key, result);
    return result;
  }

  set(key: string, result: PolicySearchResult): void {
    if (this.capacity <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, result);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  resize(capacity: number): void {
    this.capacity = Math.max(0, Math.floor(capacity));
    this.entries.clear();
  }

  clear(): void {
    this.entries.clear();
  }
}

export interface EmbeddedSearchIndexOptions {
  /** `:memory:` for a throwaway index. */
  file: string;
  /** Search results kept for repeated requests; 0 turns the cache off. */
  resultCacheSize?: number;
  /** How long a write waits for another process sharing the file (see `openDatabase`). */
  busyTimeoutMs?: number;
}

export class EmbeddedSearchIndex implements SearchIndex {
  readonly kind = 'embedded';
  private readonly file: string;
  private db: SqliteDatabase | null = null;
  private statements: Statements | null = null;
  private readonly memory = new MemoryState();
  /**
   * Profiles live in memory only: the store is their source of truth and rebuilding a million of
   * them takes seconds, so persisting them here would only add a second copy to keep in step.
   * Opening therefore starts from watermark 0 and the core reloads them.
   */
  private readonly audience = new EmbeddedAudienceIndex();
  /** FAQ search: its own tables and connection in the same file, its own watermark. */
  private readonly faqs: EmbeddedFaqIndex;
  private readonly results: ResultCache;

  private readonly busyTimeoutMs: number;

  constructor({ file, resultCacheSize = DEFAULT_RESULT_CACHE_SIZE, busyTimeoutMs = DEFAULT_BUSY_TIMEOUT_MS }: EmbeddedSearchIndexOptions) {
    this.file = file;
    this.busyTimeoutMs = busyTimeoutMs;
    this.faqs = new EmbeddedFaqIndex(file);
    this.results = new ResultCache(Math.max(0, Math.floor(resultCacheSize)));
  }

  /** Changes how many results are kept (0: none) and empties the cache, e.g. to measure uncached cost. */
  setResultCacheSize(size: number): void {
    this.results.resize(size);
  }

  async open(): Promise<void> {
    if (this.db) return;
    this.results.clear();
    const db = openDatabase({ file: this.file, busyTimeoutMs: this.busyTimeoutMs });
    try {
      ensureSchema(db);
      this.statements = prepareStatements(db);
      this.db = db;
      this.loadMemory();
      await this.faqs.open();
    } catch (error) {
      db.close();
      this.db = null;
      this.statements = null;
      throw error;
    }
  }

  async close(): Promise<void> {
    this.results.clear();
    this.db?.close();
    this.db = null;
    this.statements = null;
    this.memory.reset();
    await this.audience.clearAudience();
    await this.faqs.close();
  }

  async ping(): Promise<void> {
    this.connection().db.prepare('SELECT 1').get();
  }

  async upsertPolicies(docs: PolicySearchDoc[]): Promise<void> {
    const { db, statements } = this.connection();
    const prepared = latestById(docs).map(prepareDoc);
    const snapshot = this.memory.snapshotAllocation();
    const planned = prepared.map((doc) => ({ doc, slot: this.memory.slotById.get(doc.id) ?? this.memory.allocate() }));
    this.results.clear();
    try {
      db.transaction(() => {
        for (const { doc, slot } of planned) writeDoc({ statements, doc, slot });
      })();
    } catch (error) {
      this.memory.restoreAllocation(snapshot);
      throw error;
    }
    for (const { doc, slot } of planned) this.memory.put({ slot, id: doc.id, fields: doc.fields });
  }

  async removePolicies(ids: string[]): Promise<void> {
    const { db, statements } = this.connection();
    const slots = ids.flatMap((id) => {
      const slot = this.memory.slotById.get(id);
      return slot === undefined ? [] : [{ id, slot }];
    });
    this.results.clear();
    db.transaction(() => {
      for (const { slot } of slots) {
        statements.deleteDoc.run(slot);
        statements.deleteFts.run(slot);
        statements.deleteGrams.run(slot);
      }
    })();
    for (const { id } of slots) this.memory.remove(id);
  }

  async clear(): Promise<void> {
    const { db, statements } = this.connection();
    this.results.clear();
    db.transaction(() => {
      db.exec('DELETE FROM docs; DELETE FROM docs_fts; DELETE FROM docs_grams;');
      statements.setMeta.run('watermark', '0');
    })();
    this.memory.reset();
  }

  async getWatermark(): Promise<number> {
    const value = this.connection().statements.getMeta.get('watermark');
    return value === undefined ? 0 : Number(value);
  }

  async setWatermark(seq: number): Promise<void> {
    this.connection().statements.setMeta.run('watermark', String(seq));
  }

  async countPolicies(): Promise<number> {
    this.connection();
    return this.memory.size;
  }

  async searchPolicies(request: PolicySearchRequest): Promise<PolicySearchResult> {
    const { statements } = this.connection();
    const key = cacheKey(request);
    const cached = this.results.get(key);
    if (cached) return copyResult(cached);
    // Computed without awaiting anything, so no write can land between the search and caching it.
    const result = this.computeSearch({ request, statements });
    this.results.set(key, result);
    return copyResult(result);
  }

  private computeSearch({ request, statements }: { request: PolicySearchRequest; statements: Statements }): PolicySearchResult {
    const today = dayNumber(request.today);
    const text = this.matchText(parseTextQuery(request.q));
    const masks = this.filterMasks({ request, text, today });
    const final = combine({ words: this.memory.words, base: masks.base, dimensions: masks.dimensions, skip: null });
    if (masks.validity) andInto(final, masks.validity);
    const total = popcount(final);
    const scores = text && request.sort === 'relevance' && total > 0 ? this.score({ text, final }) : null;
    const slots = this.orderedPage({ final, scores, request });
    const validity = this.memory.derivedValidity(today);
    const terms = text?.query.highlightTerms ?? [];
    const hits = slots.map((slot) => this.hit({ slot, terms, scores, validity, statements }));
    const facets = request.facets ? this.facets({ masks, request, validity }) : null;
    return { total, hits, facets };
  }

  // Audience matching, delegated to the in-memory engine.

  async upsertProfiles(profiles: ProfileDoc[]): Promise<void> {
    this.connection();
    await this.audience.upsertProfiles(profiles);
  }

  async removeProfiles(subscriberIds: string[]): Promise<void> {
    this.connection();
    await this.audience.removeProfiles(subscriberIds);
  }

  async upsertSubscriptions(subscriptions: SubscriptionDoc[]): Promise<void> {
    this.connection();
    await this.audience.upsertSubscriptions(subscriptions);
  }

  async removeSubscriptions(subscriptionIds: string[]): Promise<void> {
    this.connection();
    await this.audience.removeSubscriptions(subscriptionIds);
  }

  async clearAudience(): Promise<void> {
    this.connection();
    await this.audience.clearAudience();
  }

  async getAudienceWatermark(): Promise<number> {
    this.connection();
    return this.audience.getAudienceWatermark();
  }

  async setAudienceWatermark(seq: number): Promise<void> {
    this.connection();
    await this.audience.setAudienceWatermark(seq);
  }

  async audienceSummary(input: { policy: AudiencePolicy; sampleSize: number }): Promise<AudienceSummary> {
    this.connection();
    return this.audience.audienceSummary(input);
  }

  async *audienceBatches(input: { policy: AudiencePolicy; batchSize: number }): AsyncIterable<AudienceMatch[]> {
    this.connection();
    yield* this.audience.audienceBatches(input);
  }

  async matchSubscriber(input: { subscriberId: string; policies: { key: string; policy: AudiencePolicy }[] }): Promise<{ key: string; match: AudienceMatch }[]> {
    this.connection();
    return this.audience.matchSubscriber(input);
  }

  // FAQ search, delegated to the FAQ engine.

  async replaceFaqs(input: { policyIds: string[]; docs: FaqSearchDoc[] }): Promise<void> {
    await this.faqs.replaceFaqs(input);
  }

  async searchFaqs(request: FaqSearchRequest): Promise<{ total: number; hits: FaqSearchHitDoc[] }> {
    return this.faqs.searchFaqs(request);
  }

  async clearFaqs(): Promise<void> {
    await this.faqs.clearFaqs();
  }

  async getFaqWatermark(): Promise<number> {
    return this.faqs.getFaqWatermark();
  }

  async setFaqWatermark(seq: number): Promise<void> {
    await this.faqs.setFaqWatermark(seq);
  }

  async countFaqs(): Promise<number> {
    return this.faqs.countFaqs();
  }

  private connection(): { db: SqliteDatabase; statements: Statements } {
    if (!this.db || !this.statements) {
      throw new DomainError({ type: 'unavailable', code: 'search_index_closed', message: '搜索索引尚未打开' });
    }
    return { db: this.db, statements: this.statements };
  }

  private loadMemory(): void {
    const { statements } = this.connection();
    this.memory.reset();
    for (const row of statements.loadDocs.iterate()) {
      const fields = JSON.parse(row.fields) as StoredFields;
      this.memory.put({ slot: row.slot, id: row.id, fields });
    }
    this.memory.settleFreeSlots();
  }

  /** AND of every word; when nothing has them all, any of them. */
  private matchText(query: TextQuery | null): TextMatch | null {
    if (!query) return null;
    const { statements } = this.connection();
    const wordBits = query.groups.map((group) => this.rowidBits({ statement: statements.matchRowids, expression: group.expression }));
    const groupBits = query.groups.map((group, i) => {
      const words = wordBits[i] ?? new Uint32Array(this.memory.words);
      if (group.grams === null) return words;
      const union = this.rowidBits({ statement: statements.matchGramRowids, expression: group.grams });
      orInto(union, words);
      return union;
    });
    const bits = Uint32Array.from(groupBits[0] ?? new Uint32Array(this.memory.words));
    for (const other of groupBits.slice(1)) andInto(bits, other);
    if (groupBits.length > 1 && popcount(bits) === 0) for (const other of groupBits) orInto(bits, other);
    return { query, bits, groupBits, wordBits };
  }

  private rowidBits({ statement, expression }: { statement: Database.Statement<[string], number>; expression: string }): Uint32Array {
    const bits = new Uint32Array(this.memory.words);
    for (const slot of statement.all(expression)) {
      if (slot < bits.length * 32) bits[slot >>> 5] = (bits[slot >>> 5] ?? 0) | (1 << (slot & 31));
    }
    return bits;
  }

  /**
   * bm25 summed word by word (bm25 is a sum over phrases, so this equals one call over all
   * words) and computed only where it can change the order, because calling bm25() costs about
   * a microsecond per matching row and phrase:
   * - a word in more than half of the documents is skipped: FTS5 floors its IDF at 1e-6, so its
   *   share of every score is negligible;
   * - when every word is that common, only title, tag text, document number and issuer are
   *   scored, which keeps title matches first, as the floored bm25 would;
   * - past a work budget, the remaining words are scored on those fields only as well.
   */
  private score({ text, final }: { text: TextMatch; final: Uint32Array }): Float64Array {
    const { statements } = this.connection();
    const scores = new Float64Array(this.memory.words * 32);
    const half = this.memory.size / 2;
    const groups = text.query.groups.map((group, i) => ({
      group,
      documents: popcount(text.groupBits[i] ?? new Uint32Array(0)),
      wordBits: text.wordBits[i] ?? new Uint32Array(0),
    }));
    const informative = groups.filter(({ documents }) => documents > 0 && documents <= half).sort((a, b) => a.documents - b.documents);
    const scored = informative.length > 0 ? informative : groups.filter(({ documents }) => documents > 0);
    let spent = 0;
    for (const { group, documents, wordBits } of scored) {
      const { expression: groupExpression, phrases } = this.scoringForm({ group, documents });
      const cost = documents * (phrases + (group.grams === null ? 0 : 1));
      const allFields = informative.length > 0 && spent + cost <= SCORING_BUDGET;
      if (allFields) spent += cost;
      const fields = (expression: string): string => (allFields ? expression : `${HIGH_WEIGHT_FIELDS} : (${expression})`);
      for (const [slot, bm25] of statements.matchScored.all(fields(groupExpression))) {
        // bm25() is lower-is-better; hits report higher-is-better.
        if (hasBit(final, slot)) scores[slot] = (scores[slot] ?? 0) - bm25;
      }
      if (group.grams === null) continue;
      // A document found only through bigrams is ranked by them, with the same field weights, so a
      // title holding the word still comes before a body that does.
      for (const [slot, bm25] of statements.matchGramsScored.all(fields(group.grams))) {
        if (hasBit(final, slot) && !hasBit(wordBits, slot)) scores[slot] = (scores[slot] ?? 0) - bm25;
      }
    }
    return scores;
  }

  /**
   * When nearly every document matching a word holds it whole, scoring the whole word alone ranks
   * the same and saves the parts' share of the bm25() work.
   */
  private scoringForm({ group, documents }: { group: WordGroup; documents: number }): { expression: string; phrases: number } {
    if (group.phrases === 1) return group;
    const whole = this.connection().statements.wordDocuments.get(group.word) ?? 0;
    return whole >= documents * WHOLE_WORD_SHARE ? { expression: quote(group.word), phrases: 1 } : group;
  }

  private filterMasks({ request, text, today }: { request: PolicySearchRequest; text: TextMatch | null; today: number }): FilterMasks {
    const words = this.memory.words;
    const base = Uint32Array.from(this.memory.alive.words);
    if (text) andInto(base, text.bits);
    if (request.issuer !== undefined && request.issuer.trim() !== '') {
      andInto(base, this.memory.issuerBits.get(issuerKey(request.issuer))?.words ?? new Uint32Array(words));
    }
    if (request.issuedFrom || request.issuedTo) andInto(base, this.issuedBetween(request));
    const dimensions = new Map<DimensionId, Uint32Array>();
    for (const [dimension, tagIds] of tagEntries(request.tagFilters)) {
      if (tagIds.length === 0) continue;
      const union = new Uint32Array(words);
      const byTag = this.memory.tagBits.get(dimension);
      for (const tagId of tagIds) {
        const bits = byTag?.get(tagId);
        if (bits) orInto(union, bits.words);
      }
      dimensions.set(dimension, union);
    }
    const validity = request.validity && request.validity.length > 0 ? this.validityMask({ wanted: request.validity, today }) : null;
    return { base, dimensions, validity };
  }

  private issuedBetween({ issuedFrom, issuedTo }: { issuedFrom?: string; issuedTo?: string }): Uint32Array {
    const from = issuedFrom ? dayNumber(issuedFrom) : 0;
    const to = issuedTo ? dayNumber(issuedTo) : Number.MAX_SAFE_INTEGER;
    const mask = new Uint32Array(this.memory.words);
    forEachBit(this.memory.alive.words, (slot) => {
      const day = this.memory.issuedDay[slot] ?? 0;
      if (day !== 0 && day >= from && day <= to) mask[slot >>> 5] = (mask[slot >>> 5] ?? 0) | (1 << (slot & 31));
    });
    return mask;
  }

  private validityMask({ wanted, today }: { wanted: Validity[]; today: number }): Uint32Array {
    const codes = new Set(wanted.map((v) => VALIDITIES.indexOf(v)));
    const validity = this.memory.derivedValidity(today);
    const mask = new Uint32Array(this.memory.words);
    forEachBit(this.memory.alive.words, (slot) => {
      if (codes.has(validity[slot] ?? EFFECTIVE)) mask[slot >>> 5] = (mask[slot >>> 5] ?? 0) | (1 << (slot & 31));
    });
    return mask;
  }

  private orderedPage({ final, scores, request }: { final: Uint32Array; scores: Float64Array | null; request: PolicySearchRequest }): number[] {
    const wanted = Math.max(0, request.offset) + Math.max(0, request.limit);
    if (request.limit <= 0) return [];
    const ordered = scores
      ? this.topByScore({ final, scores, wanted })
      : this.topByIssued({ final, wanted, descending: request.sort !== 'issued_asc' });
    return ordered.slice(Math.max(0, request.offset), wanted);
  }

  private topByIssued({ final, wanted, descending }: { final: Uint32Array; wanted: number; descending: boolean }): number[] {
    const { dated, undated } = this.memory.orderByIssued();
    const picked: number[] = [];
    const take = (slot: number): boolean => {
      if (hasBit(final, slot)) picked.push(slot);
      return picked.length >= wanted;
    };
    if (descending) {
      for (let i = dated.length - 1; i >= 0; i--) if (take(dated[i] ?? 0)) return picked;
    } else {
      for (let i = 0; i < dated.length; i++) if (take(dated[i] ?? 0)) return picked;
    }
    // Undated policies come last in either direction.
    for (let i = 0; i < undated.length; i++) if (take(undated[i] ?? 0)) return picked;
    return picked;
  }

  private topByScore({ final, scores, wanted }: { final: Uint32Array; scores: Float64Array; wanted: number }): number[] {
    const before = (a: number, b: number): number =>
      (scores[b] ?? 0) - (scores[a] ?? 0) ||
      (this.memory.issuedDay[b] ?? 0) - (this.memory.issuedDay[a] ?? 0) ||
      compareIds(this.memory.entries[a]?.id, this.memory.entries[b]?.id);
    if (wanted > TOP_K_LIMIT) {
      const all: number[] = [];
      forEachBit(final, (slot) => all.push(slot));
      return all.sort(before).slice(0, wanted);
    }
    const top: number[] = [];
    forEachBit(final, (slot) => {
      const worst = top[top.length - 1];
      if (top.length >= wanted && worst !== undefined && before(slot, worst) >= 0) return;
      let low = 0;
      let high = top.length;
      while (low < high) {
        const mid = (low + high) >>> 1;
        if (before(top[mid] ?? 0, slot) <= 0) low = mid + 1;
        else high = mid;
      }
      top.splice(low, 0, slot);
      if (top.length > wanted) top.pop();
    });
    return top;
  }

  private hit({ slot, terms, scores, validity, statements }: HitInput): PolicySearchHitDoc {
    const entry = this.memory.entries[slot];
    if (!entry) throw new Error(`search index slot ${slot} is empty`);
    const stored = statements.bodyOf.get(slot);
    const body = stored?.body ?? '';
    const { fields } = entry;
    return {
      id: entry.id,
      version: fields.version,
      title: fields.title,
      docNumber: fields.docNumber,
      issuer: fields.issuer,
      level: fields.level,
      issuedAt: fields.issuedAt,
      validity: VALIDITIES[validity[slot] ?? EFFECTIVE] ?? fields.validity,
      applicationWindow: fields.applicationWindow,
      snippet: policySnippet({ body, normalizedBody: stored?.body_norm ?? body, terms }),
      score: scores?.[slot] ?? 0,
    };
  }

  /**
   * Disjunctive counts: a dimension's counts apply every filter except its own, and the validity
   * counts every filter except validity. Tags chosen in the request are listed even at zero.
   */
  private facets({ masks, request, validity }: { masks: FilterMasks; request: PolicySearchRequest; validity: Uint8Array }): PolicySearchFacets {
    const words = this.memory.words;
    const tags: PolicySearchFacets['tags'] = {};
    for (const [dimension, byTag] of this.memory.tagBits) {
      const scope = combine({ words, base: masks.base, dimensions: masks.dimensions, skip: dimension });
      if (masks.validity) andInto(scope, masks.validity);
      const chosen = new Set(request.tagFilters[dimension] ?? []);
      const counts: Record<string, number> = {};
      for (const [tagId, bits] of byTag) {
        const count = countAnd(scope, bits.words);
        if (count > 0 || chosen.has(tagId)) counts[tagId] = count;
      }
      for (const tagId of chosen) counts[tagId] ??= 0;
      if (Object.keys(counts).length > 0) tags[dimension] = counts;
    }
    const validityScope = combine({ words, base: masks.base, dimensions: masks.dimensions, skip: null });
    const validityCounts: PolicySearchFacets['validity'] = {};
    const tally = new Array<number>(VALIDITIES.length).fill(0);
    forEachBit(validityScope, (slot) => {
      const code = validity[slot] ?? EFFECTIVE;
      tally[code] = (tally[code] ?? 0) + 1;
    });
    const chosenValidity = new Set(request.validity ?? []);
    VALIDITIES.forEach((name, code) => {
      const count = tally[code] ?? 0;
      if (count > 0 || chosenValidity.has(name)) validityCounts[name] = count;
    });
    return { tags, validity: validityCounts };
  }
}

/** The base mask ANDed with every dimension's tag union except `skip`'s. */
function combine({ words, base, dimensions, skip }: { words: number; base: Uint32Array; dimensions: Map<DimensionId, Uint32Array>; skip: DimensionId | null }): Uint32Array {
  const result = new Uint32Array(words);
  result.set(base.subarray(0, words));
  for (const [dimension, union] of dimensions) if (dimension !== skip) andInto(result, union);
  return result;
}

function writeDoc({ statements, doc, slot }: { statements: Statements; doc: PreparedDoc; slot: number }): void {
  statements.insertDoc.run(slot, doc.id, doc.fieldsJson, doc.body, doc.normalizedBody);
  statements.deleteFts.run(slot);
  statements.insertFts.run(slot, ...doc.words);
  statements.deleteGrams.run(slot);
  statements.insertGrams.run(slot, ...doc.grams);
}

// ---------------------------------------------------------------------------------------------
// Schema

const CREATE_TABLES = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS docs (
    slot INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    fields TEXT NOT NULL,
    body TEXT NOT NULL,
    body_norm TEXT NOT NULL
  );
  CREATE VIRTUAL TABLE IF NOT EXISTS docs_fts USING fts5(
    title, tag_text, body, doc_number, issuer,
    tokenize = 'unicode61 remove_diacritics 0'
  );
  CREATE VIRTUAL TABLE IF NOT EXISTS docs_vocab USING fts5vocab(docs_fts, 'row');
  CREATE VIRTUAL TABLE IF NOT EXISTS docs_grams USING fts5(
    title, tag_text, body, doc_number, issuer,
    tokenize = 'unicode61 remove_diacritics 0'
  );
`;

function storedSchemaVersion(db: SqliteDatabase): string | null {
  const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
  if (!hasMeta) return null;
  const row = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'schema_version'").get();
  return row?.value ?? null;
}

/**
 * The index only mirrors the store, so an index written by another schema version is dropped
 * rather than migrated; its watermark goes back to 0 and the next sync rebuilds it.
 */
function ensureSchema(db: SqliteDatabase): void {
  const version = storedSchemaVersion(db);
  if (version !== null && version !== SCHEMA_VERSION) db.exec('DROP TABLE IF EXISTS docs_vocab; DROP TABLE IF EXISTS docs_fts; DROP TABLE IF EXISTS docs_grams; DROP TABLE IF EXISTS docs; DROP TABLE IF EXISTS meta;');
  db.exec(CREATE_TABLES);
  db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(SCHEMA_VERSION);
  db.prepare("INSERT INTO meta (key, value) VALUES ('watermark', '0') ON CONFLICT(key) DO NOTHING").run();
}

function prepareStatements(db: SqliteDatabase): Statements {
  const weights = [BM25_WEIGHTS.title, BM25_WEIGHTS.tagText, BM25_WEIGHTS.body, BM25_WEIGHTS.docNumber, BM25_WEIGHTS.issuer].join(', ');
  return {
    getMeta: db.prepare<[string], string>('SELECT value FROM meta WHERE key = ?').pluck(),
    setMeta: db.prepare<[string, string]>('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
    insertDoc: db.prepare<[number, string, string, string, string]>(
      'INSERT OR REPLACE INTO docs (slot, id, fields, body, body_norm) VALUES (?, ?, ?, ?, ?)',
    ),
    deleteDoc: db.prepare<[number]>('DELETE FROM docs WHERE slot = ?'),
    insertFts: db.prepare<FtsRow>('INSERT INTO docs_fts (rowid, title, tag_text, body, doc_number, issuer) VALUES (?, ?, ?, ?, ?, ?)'),
    deleteFts: db.prepare<[number]>('DELETE FROM docs_fts WHERE rowid = ?'),
    insertGrams: db.prepare<FtsRow>('INSERT INTO docs_grams (rowid, title, tag_text, body, doc_number, issuer) VALUES (?, ?, ?, ?, ?, ?)'),
    deleteGrams: db.prepare<[number]>('DELETE FROM docs_grams WHERE rowid = ?'),
    matchRowids: db.prepare<[string], number>('SELECT rowid FROM docs_fts WHERE docs_fts MATCH ?').pluck(),
    matchGramRowids: db.prepare<[string], number>('SELECT rowid FROM docs_grams WHERE docs_grams MATCH ?').pluck(),
    wordDocuments: db.prepare<[string], number>('SELECT doc FROM docs_vocab WHERE term = ?').pluck(),
    matchScored: db.prepare<[string], [number, number]>(`SELECT rowid, bm25(docs_fts, ${weights}) FROM docs_fts WHERE docs_fts MATCH ?`).raw(),
    matchGramsScored: db.prepare<[string], [number, number]>(`SELECT rowid, bm25(docs_grams, ${weights}) FROM docs_grams WHERE docs_grams MATCH ?`).raw(),
    bodyOf: db.prepare<[number], { body: string; body_norm: string }>('SELECT body, body_norm FROM docs WHERE slot = ?'),
    loadDocs: db.prepare<[], { slot: number; id: string; fields: string }>('SELECT slot, id, fields FROM docs ORDER BY slot'),
  };
}
