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
import { searchIndexClosed } from './embedded.search-errors.js';
import type { AudienceMatch, AudiencePolicy, AudienceSummary, ProfileDoc, SubscriptionDoc } from '../../ports/audience-index.port.js';
import type { PolicySearchDoc, PolicySearchHitDoc, PolicySearchRequest, PolicySearchResult, SearchIndex } from '../../ports/search-index.port.js';
import { policySnippet } from '../../text/highlight.js';
import { EmbeddedAudienceIndex } from './embedded.audience-index.js';
import { EmbeddedFaqIndex } from './embedded.faq-index.js';
import { DEFAULT_BUSY_TIMEOUT_MS, openDatabase } from '../sqlite/sqlite.support.js';
import type { FaqSearchDoc, FaqSearchHitDoc, FaqSearchRequest } from '../../ports/faq-index.port.js';
import { andInto, forEachBit, hasBit, orInto, popcount } from './embedded.bitset.js';
import { FilterMasks, matchUnder, policyFacets } from './embedded.policy-facets.js';
import { EFFECTIVE, MemoryState, StoredFields, VALIDITIES, compareIds, dayNumber, issuerKey, latestById, prepareDoc, tagEntries } from './embedded.policy-memory.js';
import { SqliteDatabase, Statements, ensureSchema, prepareStatements, writeDoc } from './embedded.policy-tables.js';
import { type ScoredGroup, TextPostings, unicodeTokens } from './embedded.policy-postings.js';
import { TextQuery, WordGroup, parseTextQuery, quote } from './embedded.policy-text-query.js';
import { DEFAULT_RESULT_CACHE_SIZE, ResultCache, cacheKey } from './embedded.result-cache.js';
import { offerToTop } from './embedded.top-k.js';

/** Matching rows × phrases worth scoring over every field; about a microsecond each. */
const SCORING_BUDGET = 20_000;

/** The fields whose bm25 weight dominates; scoring them alone still ranks title matches first. */
const HIGH_WEIGHT_FIELDS = '{title tag_text}';

/** Share of a word's matches that must hold it whole for the parts to be left out of scoring. */
const WHOLE_WORD_SHARE = 0.9;

/** Rows read at a time when rebuilding the word index from the FTS5 table. */
const LOAD_PAGE = 1_000;

/** Above this many wanted hits a full sort beats insertion into a sorted buffer. */
const TOP_K_LIMIT = 256;

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
  /** Matched by the in-memory word index, which can then rank without FTS5's bm25(). */
  inMemory: boolean;
}


interface HitInput {
  slot: number;
  terms: string[];
  score: number;
  validity: Uint8Array;
  statements: Statements;
}


export interface EmbeddedSearchIndexOptions {
  /** `:memory:` for a throwaway index. */
  file: string;
  /** Search results kept for repeated requests; 0 turns the cache off. */
  resultCacheSize?: number;
  /** How long a write waits for another process sharing the file (see `openDatabase`). */
  busyTimeoutMs?: number;
  /**
   * False answers every keyword query through FTS5's bm25() over every match, as before the
   * in-memory word index: the reference the word index's ranking is tested against.
   */
  wordIndex?: boolean;
}

export class EmbeddedSearchIndex implements SearchIndex {
  readonly kind = 'embedded';
  readonly searchesOnCallerLoop = true;
  private readonly file: string;
  private db: SqliteDatabase | null = null;
  private statements: Statements | null = null;
  private readonly memory = new MemoryState();
  /** Words with impact-ordered postings: matches and ranks keyword queries without FTS5's per-row bm25. */
  private readonly text = new TextPostings();
  /**
   * Rebuilding the word index from the FTS5 table takes seconds at 10,000 policies, so it runs in
   * the background after `open`, a page of rows per turn of the event loop; until it is complete
   * keyword queries go through FTS5 (same results, see the relevance test), and the server can
   * listen at once. Rows up to `textThrough` are in the word index; writes to later rows are
   * picked up when the rebuild reaches them.
   */
  private textThrough = Number.POSITIVE_INFINITY;
  private textBuild = 0;
  private textReady: Promise<void> = Promise.resolve();
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
  private readonly useWordIndex: boolean;

  constructor({ file, resultCacheSize = DEFAULT_RESULT_CACHE_SIZE, busyTimeoutMs = DEFAULT_BUSY_TIMEOUT_MS, wordIndex = true }: EmbeddedSearchIndexOptions) {
    this.file = file;
    this.useWordIndex = wordIndex;
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
    this.stopWordIndexBuild();
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
    for (const { doc, slot } of planned) {
      this.memory.put({ slot, id: doc.id, fields: doc.fields, body: doc.body, normalizedBody: doc.normalizedBody });
      if (slot <= this.textThrough) this.text.put({ slot, columns: doc.words });
    }
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
    for (const { id, slot } of slots) {
      this.memory.remove(id);
      if (slot <= this.textThrough) this.text.remove(slot);
    }
  }

  async clear(): Promise<void> {
    const { db, statements } = this.connection();
    this.results.clear();
    db.transaction(() => {
      db.exec('DELETE FROM docs; DELETE FROM docs_fts; DELETE FROM docs_grams;');
      statements.setMeta.run('watermark', '0');
    })();
    this.memory.reset();
    this.stopWordIndexBuild();
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
    if (cached) return cached;
    // Computed without awaiting anything, so no write can land between the search and caching it.
    return this.results.keep(key, this.computeSearch({ request, statements }));
  }

  peekPolicies(request: PolicySearchRequest): PolicySearchResult | null {
    this.connection();
    return this.results.get(cacheKey(request)) ?? null;
  }

  private computeSearch({ request, statements }: { request: PolicySearchRequest; statements: Statements }): PolicySearchResult {
    const today = request.today;
    const text = this.matchText(parseTextQuery(request.q));
    const masks = this.filterMasks({ request, text, today });
    const final = matchUnder({ words: this.memory.words, masks, skip: null });
    const total = popcount(final);
    const ranked = text && request.sort === 'relevance' && total > 0 ? this.rank({ text, final, request }) : null;
    const slots = ranked ? ranked.slots : this.orderedPage({ final, scores: null, request });
    const validity = this.memory.derivedValidity(today);
    const terms = text?.query.highlightTerms ?? [];
    const hits = slots.map((slot) => this.hit({ slot, terms, score: ranked?.scoreOf(slot) ?? 0, validity, statements }));
    const facets = request.facets ? policyFacets({ memory: this.memory, masks, final, request, today }) : null;
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
      throw searchIndexClosed();
    }
    return { db: this.db, statements: this.statements };
  }

  private loadMemory(): void {
    const { statements } = this.connection();
    this.memory.reset();
    for (const row of statements.loadDocs.iterate()) {
      const fields = JSON.parse(row.fields) as StoredFields;
      this.memory.put({ slot: row.slot, id: row.id, fields, body: row.body, normalizedBody: row.body_norm });
    }
    this.memory.settleFreeSlots();
    this.startWordIndexBuild();
  }

  /** Resolves once the word index holds every stored policy (searches are right before, only slower). */
  wordIndexReady(): Promise<void> {
    return this.textReady;
  }

  /** Whether keyword queries are still answered through FTS5 while the word index is rebuilt. */
  get warming(): boolean {
    return this.textThrough !== Number.POSITIVE_INFINITY;
  }

  private stopWordIndexBuild(): void {
    this.textBuild += 1;
    this.text.clear();
    this.textThrough = Number.POSITIVE_INFINITY;
  }

  private startWordIndexBuild(): void {
    this.stopWordIndexBuild();
    const build = this.textBuild;
    this.textThrough = -1;
    this.textReady = new Promise<void>((resolve) => {
      const step = (): void => {
        // Closed, cleared or reopened meanwhile: that build is abandoned.
        if (build !== this.textBuild || !this.statements) return resolve();
        const rows = this.statements.loadWords.all(this.textThrough, LOAD_PAGE);
        for (const [slot, ...columns] of rows) this.text.put({ slot, columns });
        const last = rows.at(-1);
        if (!last || rows.length < LOAD_PAGE) {
          this.textThrough = Number.POSITIVE_INFINITY;
          this.results.clear();
          return resolve();
        }
        this.textThrough = last[0];
        setImmediate(step);
      };
      step();
    });
  }

  /** AND of every word; when nothing has them all, any of them. */
  private matchText(query: TextQuery | null): TextMatch | null {
    if (!query) return null;
    const { statements } = this.connection();
    const inMemory = this.wordIndexAnswers(query);
    const wordBits = query.groups.map((group) =>
      inMemory ? this.wordGroupBits(group) : this.rowidBits({ statement: statements.matchRowids, expression: group.expression }),
    );
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
    return { query, bits, groupBits, wordBits, inMemory };
  }

  /**
   * Whether the in-memory word index answers the query as FTS5 would: every word and part must be
   * one `unicode61` token (a word holding punctuation is a multi-token phrase, which needs
   * positions this index does not keep).
   */
  private wordIndexAnswers(query: TextQuery): boolean {
    return this.useWordIndex && !this.warming && query.groups.every((group) =>
      [group.word, ...group.parts].every((term) => {
        const tokens = unicodeTokens(term);
        return tokens.length === 1 && tokens[0] === term;
      }),
    );
  }

  /** The documents holding the word, or all of its parts: FTS5's `("word" OR ("part" AND …))`. */
  private wordGroupBits(group: WordGroup): Uint32Array {
    const words = this.memory.words;
    const bits = this.text.bits({ term: group.word, words });
    if (group.parts.length === 0) return bits;
    const parts = this.text.bits({ term: group.parts[0] ?? '', words });
    for (const part of group.parts.slice(1)) andInto(parts, this.text.bits({ term: part, words }));
    orInto(bits, parts);
    return bits;
  }

  /** The page of a relevance-sorted keyword query, with each hit's score. */
  private rank({ text, final, request }: { text: TextMatch; final: Uint32Array; request: PolicySearchRequest }): { slots: number[]; scoreOf: (slot: number) => number } {
    if (!text.inMemory) {
      const scores = this.score({ text, final });
      return { slots: this.orderedPage({ final, scores, request }), scoreOf: (slot) => scores[slot] ?? 0 };
    }
    const wanted = Math.max(0, request.offset) + Math.max(0, request.limit);
    if (request.limit <= 0) return { slots: [], scoreOf: () => 0 };
    const { groups, fields } = this.scoredGroups({ text, final });
    const top = this.text.topScored({ groups, fields, final, wanted, tieBreak: (a, b) => this.byIssuedThenId(a, b) });
    const slots = [...top.keys()];
    if (slots.length < wanted) slots.push(...this.unscored({ final, scored: top, wanted: wanted - slots.length }));
    return { slots: slots.slice(Math.max(0, request.offset), wanted), scoreOf: (slot) => top.get(slot) ?? 0 };
  }

  /**
   * The groups worth scoring and the fields to score, as {@link score} decides them: words in more
   * than half of the documents are left out when another word is more telling (FTS5 floors their
   * IDF, so they barely count), and when every word is that common only title and tag text count.
   */
  private scoredGroups({ text, final }: { text: TextMatch; final: Uint32Array }): { groups: ScoredGroup[]; fields: 'all' | 'high' } {
    const half = this.memory.size / 2;
    const counted = text.query.groups.map((group, i) => ({
      group,
      documents: popcount(text.groupBits[i] ?? new Uint32Array(0)),
      wordBits: text.wordBits[i] ?? new Uint32Array(0),
      groupBits: text.groupBits[i] ?? new Uint32Array(0),
    }));
    const informative = counted.filter(({ documents }) => documents > 0 && documents <= half).sort((a, b) => a.documents - b.documents);
    const fields = informative.length > 0 ? 'all' : 'high';
    const scored = informative.length > 0 ? informative : counted.filter(({ documents }) => documents > 0);
    const groups = scored.map(({ group, documents, wordBits, groupBits }, at): ScoredGroup => {
      const whole = group.parts.length === 0 || this.text.documentCount(group.word) >= documents * WHOLE_WORD_SHARE;
      const phrases = [{ term: group.word, partOf: null }, ...(whole ? [] : group.parts.map((term) => ({ term, partOf: at })))];
      return { phrases, gramOnly: this.gramOnlyScores({ group, wordBits, groupBits, final, fields }) };
    });
    return { groups, fields };
  }

  /** bm25 from the bigram table of the documents a word reached only through its bigrams. */
  private gramOnlyScores({ group, wordBits, groupBits, final, fields }: {
    group: WordGroup;
    wordBits: Uint32Array;
    groupBits: Uint32Array;
    final: Uint32Array;
    fields: 'all' | 'high';
  }): Map<number, number> {
    const scores = new Map<number, number>();
    if (group.grams === null) return scores;
    const { statements } = this.connection();
    const expression = fields === 'all' ? group.grams : `${HIGH_WEIGHT_FIELDS} : (${group.grams})`;
    const slots: number[] = [];
    for (let i = 0; i < groupBits.length; i++) {
      let word = (groupBits[i] ?? 0) & (final[i] ?? 0) & ~(wordBits[i] ?? 0);
      while (word !== 0) {
        const lowest = word & -word;
        slots.push(i * 32 + 31 - Math.clz32(lowest));
        word ^= lowest;
      }
    }
    if (slots.length === 0) return scores;
    // Only words the dictionary does not know take this path, and few documents hold those.
    const wanted = new Set(slots);
    // bm25() is lower-is-better; hits report higher-is-better.
    for (const [slot, bm25] of statements.matchGramsScored.all(expression)) if (wanted.has(slot)) scores.set(slot, -bm25);
    return scores;
  }

  /** Matching documents no scored word reached, newest first, to fill a page after the scored ones. */
  private unscored({ final, scored, wanted }: { final: Uint32Array; scored: Map<number, number>; wanted: number }): number[] {
    const picked: number[] = [];
    const before = (a: number, b: number): number => this.byIssuedThenId(a, b);
    forEachBit(final, (slot) => {
      if (!scored.has(slot)) offerToTop({ top: picked, slot, wanted, before });
    });
    return picked;
  }

  private byIssuedThenId(a: number, b: number): number {
    return (this.memory.issuedDay[b] ?? 0) - (this.memory.issuedDay[a] ?? 0) || compareIds(this.memory.entries[a]?.id, this.memory.entries[b]?.id);
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

  private filterMasks({ request, text, today }: { request: PolicySearchRequest; text: TextMatch | null; today: string }): FilterMasks {
    const words = this.memory.words;
    const base = this.memory.alive.words.slice(0, words);
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

  private validityMask({ wanted, today }: { wanted: Validity[]; today: string }): Uint32Array {
    const bySlot = this.memory.validitySlots(today);
    const mask = new Uint32Array(this.memory.words);
    for (const code of new Set(wanted.map((v) => VALIDITIES.indexOf(v)))) {
      const bits = bySlot[code];
      if (bits) orInto(mask, bits);
    }
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
    forEachBit(final, (slot) => offerToTop({ top, slot, wanted, before }));
    return top;
  }

  private hit({ slot, terms, score, validity, statements }: HitInput): PolicySearchHitDoc {
    const entry = this.memory.entries[slot];
    if (!entry) throw new Error(`search index slot ${slot} is empty`);
    const { body } = entry;
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
      snippet: policySnippet({ body, normalizedBody: entry.normalizedBody, terms }),
      score,
    };
  }

}
