/**
 * The word index of the embedded policy search held in memory as typed arrays, with postings
 * ordered by impact, so a top-20 query reads the best postings of each query word and stops:
 * its cost does not grow with the number of matching documents.
 *
 * Why not FTS5's own bm25(): FTS5 computes bm25 for every matching row, reading each row's
 * position lists, about a microsecond per row and phrase; a common word in a 10,000-policy
 * library matched thousands of rows and cost tens of milliseconds before the first hit was known.
 *
 * The scores are FTS5's bm25 exactly (same k1, b, IDF with its 1e-6 floor, column weights, row
 * length over every column), computed from per-column term frequencies kept here, so ranking is
 * what it was; FTS5 still holds the text (it is the persisted copy this index is rebuilt from on
 * open, and it answers the bigram recall table and queries this index cannot express).
 *
 * Impact of a posting = the bm25 term-frequency part f·(k1+1) / (f + k1·(1 − b + b·|D|/avgdl)).
 * Within one word it orders postings exactly as the word's score does (the IDF is the same for all),
 * but it depends on the average row length, which every write moves; each word's order is therefore
 * rebuilt lazily, the first time a query needs it after a write (a write epoch), a few hundred
 * microseconds for a word in thousands of policies, paid once per write rather than per query.
 *
 * Deleting is lazy: a posting names its document's generation, and a document re-written or
 * removed gets a new one, so stale postings are skipped and dropped at the next re-order.
 */
import { hasBit } from './embedded.bitset.js';
import { offerToTop } from './embedded.top-k.js';
import type { FtsColumns } from './embedded.policy-memory.js';
import { BM25_WEIGHTS } from './embedded.policy-tables.js';

/** FTS5's bm25 constants. */
const K1 = 1.2;
const B = 0.75;
/** FTS5 floors an IDF at this value, for words in half of the rows or more. */
const IDF_FLOOR = 1e-6;

/** bm25 weights in the column order of the FTS5 tables: title, tag text, body, document number, issuer. */
const COLUMN_WEIGHTS = [BM25_WEIGHTS.title, BM25_WEIGHTS.tagText, BM25_WEIGHTS.body, BM25_WEIGHTS.docNumber, BM25_WEIGHTS.issuer] as const;
/** Columns scored when every query word is common: title and tag text (see the search index). */
const HIGH_COLUMNS = [true, true, false, false, false] as const;

/**
 * The tokens FTS5's `unicode61` tokenizer makes of a column we wrote: runs of letters, numbers and
 * private-use characters, lower-cased. Our columns are already words separated by spaces, so this
 * mostly splits on the spaces; a word holding punctuation splits there too, as FTS5 splits it.
 */
const TOKEN = /[\p{L}\p{N}\p{Co}]+/gu;

export function unicodeTokens(text: string): string[] {
  return (text.match(TOKEN) ?? []).map((token) => token.toLowerCase());
}

/** Anything in a column but letters, numbers, private-use characters and the separating spaces. */
const UNUSUAL = /[^\p{L}\p{N}\p{Co} ]|\p{Lu}/u;

/**
 * The tokens of one of our columns. The columns hold lower-cased words joined by single spaces, so
 * splitting on the spaces gives what `unicode61` gives, and is several times faster; a column
 * holding anything else goes through the full rule.
 */
function columnTokens(text: string): string[] {
  if (text === '') return [];
  if (UNUSUAL.test(text)) return unicodeTokens(text);
  return text.split(' ').filter((token) => token !== '');
}

/** Word bitsets kept between writes: at 50,000 policies 6 KB each, so about 3 MB at most. */
const KEPT_WORD_BITSETS = 512;

/** Which frequency a score reads: every column, or title and tag text only. */
export type ScoredFields = 'all' | 'high';

/** One word's postings: unordered as written, plus an impact order rebuilt lazily per write epoch. */
class PostingList {
  slots = new Int32Array(4);
  gens = new Uint32Array(4);
  full = new Uint16Array(4);
  high = new Uint16Array(4);
  length = 0;
  /** Live documents holding the word anywhere, and in title or tag text. */
  live = 0;
  highLive = 0;
  ordered: { epoch: number; fields: ScoredFields; slots: Int32Array; impacts: Float64Array }[] = [];

  push({ slot, gen, full, high }: { slot: number; gen: number; full: number; high: number }): void {
    if (this.length === this.slots.length) this.grow();
    const at = this.length;
    this.slots[at] = slot;
    this.gens[at] = gen;
    this.full[at] = full;
    this.high[at] = high;
    this.length += 1;
    this.live += 1;
    if (high > 0) this.highLive += 1;
  }

  private grow(): void {
    const capacity = this.slots.length * 2;
    const slots = new Int32Array(capacity);
    slots.set(this.slots);
    const gens = new Uint32Array(capacity);
    gens.set(this.gens);
    const full = new Uint16Array(capacity);
    full.set(this.full);
    const high = new Uint16Array(capacity);
    high.set(this.high);
    Object.assign(this, { slots, gens, full, high });
  }

  /** Drops postings of documents re-written or removed since. */
  compact(generation: Uint32Array): void {
    let kept = 0;
    for (let i = 0; i < this.length; i++) {
      const slot = this.slots[i] ?? 0;
      if (this.gens[i] !== generation[slot]) continue;
      this.slots[kept] = slot;
      this.gens[kept] = this.gens[i] ?? 0;
      this.full[kept] = this.full[i] ?? 0;
      this.high[kept] = this.high[i] ?? 0;
      kept += 1;
    }
    this.length = kept;
  }
}

/**
 * One document's words with their frequencies, sorted by word id for lookups during scoring, in one
 * array: word id at 2i, then the frequency over all fields (low 16 bits) and over title and tags
 * (high 16 bits) at 2i + 1. Scoring looks up a few words in each of hundreds of documents, and one
 * array per document instead of three is one memory fetch instead of three.
 */
interface DocTerms {
  pairs: Int32Array;
}

/** A word of a query as the scorer sees it. */
export interface ScoredPhrase {
  term: string;
  /** Parts count only where the document holds every part of its group (FTS5's AND). */
  partOf: number | null;
}

/** A query's phrases prepared for scoring many documents (see `TextPostings.scoringQuery`). */
interface ScoringQuery {
  /** Word id per phrase; -1 for a word the index does not hold. */
  ids: number[];
  isPart: boolean[];
  groupStart: number[];
  hasParts: boolean[];
  idfs: number[];
  grams: (Map<number, number> | null)[];
  full: boolean;
  avgdl: number;
}

export interface ScoredGroup {
  /** The word whole, then its parts (each with `partOf` set to this group's number). */
  phrases: ScoredPhrase[];
  /** Exact scores of documents this group found only through the bigram table. */
  gramOnly: Map<number, number>;
}

export class TextPostings {
  private readonly termIds = new Map<string, number>();
  private readonly lists: PostingList[] = [];
  private docs: (DocTerms | undefined)[] = [];
  private generation = new Uint32Array(1024);
  private docLength = new Int32Array(1024);
  private totalTokens = 0;
  private documents = 0;
  private epoch = 0;
  /** Scratch for `put`: which document last saw each word id, and its weighted counts there. */
  private stamp = 0;
  private seenIn = new Uint32Array(1024);
  private fullTally = new Uint32Array(1024);
  private highTally = new Uint32Array(1024);
  /** Bitsets of recently asked words, valid while `epoch` is unchanged (see `bits`). */
  private readonly wordBits = new Map<number, { epoch: number; bits: Uint32Array }>();
  /** Scratch for `topScored`, reused across queries (see `scoredScratch`). */
  private seenScratch = new Uint32Array(0);
  private scoreScratch = new Float64Array(0);
  private scoringStamp = 0;

  get size(): number {
    return this.documents;
  }

  /** Indexes a document's columns at `slot`, replacing what the slot held. */
  put({ slot, columns }: { slot: number; columns: FtsColumns }): void {
    this.remove(slot);
    this.ensure(slot + 1);
    // Per-document tallies in shared scratch arrays indexed by word id: a word seen for the first
    // time in this document (stamp differs) gets the next local position.
    this.stamp += 1;
    const local: number[] = [];
    let length = 0;
    for (let column = 0; column < columns.length; column++) {
      const weight = COLUMN_WEIGHTS[column] ?? 0;
      const highWeight = HIGH_COLUMNS[column] ? weight : 0;
      for (const token of columnTokens(columns[column] ?? '')) {
        let id = this.termIds.get(token);
        if (id === undefined) {
          id = this.lists.length;
          this.termIds.set(token, id);
          this.lists.push(new PostingList());
          this.growScratch(id + 1);
        }
        if (this.seenIn[id] !== this.stamp) {
          this.seenIn[id] = this.stamp;
          this.fullTally[id] = 0;
          this.highTally[id] = 0;
          local.push(id);
        }
        this.fullTally[id] = (this.fullTally[id] ?? 0) + weight;
        this.highTally[id] = (this.highTally[id] ?? 0) + highWeight;
        length += 1;
      }
    }
    const gen = (this.generation[slot] ?? 0) + 1;
    this.generation[slot] = gen;
    const termIds = Int32Array.from(local).sort();
    const pairs = new Int32Array(termIds.length * 2);
    for (let i = 0; i < termIds.length; i++) {
      const id = termIds[i] ?? 0;
      const full = Math.min(65_535, this.fullTally[id] ?? 0);
      const high = Math.min(65_535, this.highTally[id] ?? 0);
      pairs[2 * i] = id;
      pairs[2 * i + 1] = full | (high << 16);
      this.lists[id]?.push({ slot, gen, full, high });
    }
    this.docs[slot] = { pairs };
    this.docLength[slot] = length;
    this.totalTokens += length;
    this.documents += 1;
    this.epoch += 1;
  }

  private growScratch(size: number): void {
    if (size <= this.seenIn.length) return;
    const capacity = Math.max(size, this.seenIn.length * 2);
    const seenIn = new Uint32Array(capacity);
    seenIn.set(this.seenIn);
    this.seenIn = seenIn;
    // Copied, not just reallocated: the document being indexed has tallies in them already.
    const fullTally = new Uint32Array(capacity);
    fullTally.set(this.fullTally);
    this.fullTally = fullTally;
    const highTally = new Uint32Array(capacity);
    highTally.set(this.highTally);
    this.highTally = highTally;
  }

  remove(slot: number): void {
    const doc = this.docs[slot];
    if (!doc) return;
    for (let i = 0; i < doc.pairs.length; i += 2) {
      const list = this.lists[doc.pairs[i] ?? 0];
      if (!list) continue;
      list.live -= 1;
      if ((doc.pairs[i + 1] ?? 0) >>> 16 > 0) list.highLive -= 1;
    }
    this.generation[slot] = (this.generation[slot] ?? 0) + 1;
    this.docs[slot] = undefined;
    this.totalTokens -= this.docLength[slot] ?? 0;
    this.docLength[slot] = 0;
    this.documents -= 1;
    this.epoch += 1;
  }

  clear(): void {
    this.wordBits.clear();
    this.seenIn.fill(0);
    this.termIds.clear();
    this.lists.length = 0;
    this.docs = [];
    this.generation = new Uint32Array(1024);
    this.docLength = new Int32Array(1024);
    this.totalTokens = 0;
    this.documents = 0;
    this.epoch += 1;
  }

  /** Live documents holding the word, in any column. */
  documentCount(term: string): number {
    const id = this.termIds.get(term);
    return id === undefined ? 0 : (this.lists[id]?.live ?? 0);
  }

  /**
   * The live documents holding the word, as a bitset of `words` 32-bit words, the caller's to change.
   * Kept per word until the next write, since popular words are asked again and again and walking a
   * common word's postings costs more than copying its bitset.
   */
  bits({ term, words }: { term: string; words: number }): Uint32Array {
    const id = this.termIds.get(term);
    const list = id === undefined ? undefined : this.lists[id];
    if (id === undefined || !list) return new Uint32Array(words);
    const kept = this.wordBits.get(id);
    if (kept && kept.epoch === this.epoch && kept.bits.length === words) {
      // Re-inserted: Map order is the eviction order.
      this.wordBits.delete(id);
      this.wordBits.set(id, kept);
      return kept.bits.slice();
    }
    const bits = new Uint32Array(words);
    const limit = words * 32;
    for (let i = 0; i < list.length; i++) {
      const slot = list.slots[i] ?? 0;
      if (slot >= limit || list.gens[i] !== this.generation[slot]) continue;
      bits[slot >>> 5] = (bits[slot >>> 5] ?? 0) | (1 << (slot & 31));
    }
    this.wordBits.set(id, { epoch: this.epoch, bits });
    for (const oldest of this.wordBits.keys()) {
      if (this.wordBits.size <= KEPT_WORD_BITSETS) break;
      this.wordBits.delete(oldest);
    }
    return bits.slice();
  }

  /**
   * The best `wanted` documents of `final` by the sum of the groups' bm25 scores (higher first; equal
   * scores by `tieBreak`), with their scores. Documents scoring nothing are left to the caller. Reads
   * every word's postings in impact order and stops once no unread posting can reach the current top
   * (Fagin's threshold algorithm), so the work depends on how soon the top is settled, not on how
   * many documents match. A query whose words are all common can still read thousands of postings
   * before its top is settled, so scoring one document is kept to flat loops over typed arrays.
   */
  topScored({ groups, fields, final, wanted, tieBreak }: {
    groups: ScoredGroup[];
    fields: ScoredFields;
    final: Uint32Array;
    wanted: number;
    tieBreak: (a: number, b: number) => number;
  }): Map<number, number> {
    const query = this.scoringQuery({ groups, fields });
    const scored = this.scoredScratch(final.length * 32);
    const scoreAt = this.scoreScratch;
    const before = (a: number, b: number): number => (scoreAt[b] ?? 0) - (scoreAt[a] ?? 0) || tieBreak(a, b);
    const top: number[] = [];
    const consider = (slot: number): void => {
      if (scored.seen[slot] === scored.stamp || !hasBit(final, slot)) return;
      scored.seen[slot] = scored.stamp;
      const score = this.scoreOf(slot, query);
      scoreAt[slot] = score;
      if (score > 0) offerToTop({ top, slot, wanted, before });
    };
    for (const group of groups) for (const slot of group.gramOnly.keys()) consider(slot);

    const cursors = query.ids.map((id, at) => {
      const order = id < 0 ? null : this.impactOrder({ id, fields, avgdl: query.avgdl });
      return { order, at: 0, idf: query.idfs[at] ?? 0 };
    });
    // A posting outside `final`, or of a document already scored, can neither enter the top nor
    // bound what an unscored document may still reach: stepping over them at once keeps the
    // threshold tight, which matters most when filters leave few of a word's documents.
    const skipSettled = (cursor: (typeof cursors)[number]): void => {
      const { order } = cursor;
      if (!order) return;
      const { slots } = order;
      let at = cursor.at;
      while (at < slots.length) {
        const slot = slots[at] ?? 0;
        if (scored.seen[slot] !== scored.stamp && hasBit(final, slot)) break;
        at += 1;
      }
      cursor.at = at;
    };
    const bound = (cursor: (typeof cursors)[number]): number =>
      cursor.order && cursor.at < cursor.order.slots.length ? cursor.idf * (cursor.order.impacts[cursor.at] ?? 0) : 0;
    for (;;) {
      for (const cursor of cursors) skipSettled(cursor);
      let threshold = 0;
      let best: (typeof cursors)[number] | null = null;
      let bestBound = 0;
      for (const cursor of cursors) {
        const value = bound(cursor);
        threshold += value;
        if (value > bestBound) {
          bestBound = value;
          best = cursor;
        }
      }
      if (!best || !best.order) break;
      const worst = top[top.length - 1];
      if (top.length >= wanted && worst !== undefined && (scoreAt[worst] ?? 0) > threshold) break;
      const slot = best.order.slots[best.at] ?? 0;
      best.at += 1;
      consider(slot);
    }
    const result = new Map<number, number>();
    for (const slot of top) result.set(slot, scoreAt[slot] ?? 0);
    return result;
  }

  /** A query's phrases as flat arrays, grouped: group g's phrases are `groupStart[g]` up to `groupStart[g + 1]`. */
  private scoringQuery({ groups, fields }: { groups: ScoredGroup[]; fields: ScoredFields }): ScoringQuery {
    const ids: number[] = [];
    const isPart: boolean[] = [];
    const groupStart: number[] = [];
    const hasParts: boolean[] = [];
    for (const group of groups) {
      groupStart.push(ids.length);
      hasParts.push(group.phrases.some((phrase) => phrase.partOf !== null));
      for (const phrase of group.phrases) {
        ids.push(this.termIds.get(phrase.term) ?? -1);
        isPart.push(phrase.partOf !== null);
      }
    }
    groupStart.push(ids.length);
    const idfs = ids.map((id) => this.idf({ id: id < 0 ? undefined : id, fields }));
    const grams = groups.map((group) => (group.gramOnly.size > 0 ? group.gramOnly : null));
    return { ids, isPart, groupStart, hasParts, idfs, grams, full: fields === 'all', avgdl: this.documents > 0 ? this.totalTokens / this.documents : 1 };
  }

  /** Per-slot scratch for one `topScored` call: a slot is scored in this call when `seen[slot] === stamp`. */
  private scoredScratch(finalSlots: number): { seen: Uint32Array; stamp: number } {
    const slots = Math.max(this.generation.length, finalSlots);
    if (this.seenScratch.length < slots) {
      this.seenScratch = new Uint32Array(slots);
      this.scoreScratch = new Float64Array(slots);
      this.scoringStamp = 0;
    }
    this.scoringStamp += 1;
    return { seen: this.seenScratch, stamp: this.scoringStamp };
  }

  /** FTS5's IDF: log((N − n + 0.5) / (n + 0.5)), floored; n counts only the scored columns. */
  private idf({ id, fields }: { id: number | undefined; fields: ScoredFields }): number {
    const list = id === undefined ? undefined : this.lists[id];
    const n = list ? (fields === 'all' ? list.live : list.highLive) : 0;
    const idf = Math.log((this.documents - n + 0.5) / (n + 0.5));
    return idf > 0 ? idf : IDF_FLOOR;
  }

  private impactOrder({ id, fields, avgdl }: { id: number; fields: ScoredFields; avgdl: number }): { slots: Int32Array; impacts: Float64Array } {
    const list = this.lists[id];
    if (!list) return { slots: new Int32Array(0), impacts: new Float64Array(0) };
    const cached = list.ordered.find((order) => order.fields === fields);
    if (cached && cached.epoch === this.epoch) return cached;
    list.compact(this.generation);
    const frequency = fields === 'all' ? list.full : list.high;
    const picked: number[] = [];
    for (let i = 0; i < list.length; i++) if ((frequency[i] ?? 0) > 0) picked.push(i);
    const impactAt = new Float64Array(list.length);
    for (const i of picked) impactAt[i] = this.impact({ f: frequency[i] ?? 0, length: this.docLength[list.slots[i] ?? 0] ?? 0, avgdl });
    picked.sort((a, b) => (impactAt[b] ?? 0) - (impactAt[a] ?? 0) || (list.slots[a] ?? 0) - (list.slots[b] ?? 0));
    const order = {
      epoch: this.epoch,
      fields,
      slots: Int32Array.from(picked, (i) => list.slots[i] ?? 0),
      impacts: Float64Array.from(picked, (i) => impactAt[i] ?? 0),
    };
    list.ordered = [...list.ordered.filter((other) => other.fields !== fields && other.epoch === this.epoch), order];
    return order;
  }

  private impact({ f, length, avgdl }: { f: number; length: number; avgdl: number }): number {
    return (f * (K1 + 1)) / (f + K1 * (1 - B + (B * length) / avgdl));
  }

  /** A document's total in a fixed phrase order, so equal documents get bit-equal scores. */
  private scoreOf(slot: number, query: ScoringQuery): number {
    const doc = this.docs[slot];
    const length = this.docLength[slot] ?? 0;
    let total = 0;
    for (let groupAt = 0; groupAt + 1 < query.groupStart.length; groupAt++) {
      const gramScore = query.grams[groupAt]?.get(slot);
      if (gramScore !== undefined) {
        total += gramScore;
        continue;
      }
      if (!doc) continue;
      let wordScore = 0;
      let partsScore = 0;
      let partsMissing = false;
      const end = query.groupStart[groupAt + 1] ?? 0;
      for (let at = query.groupStart[groupAt] ?? 0; at < end; at++) {
        const id = query.ids[at] ?? -1;
        const f = id < 0 ? 0 : this.frequency(doc, id, query.full);
        const contribution = f > 0 ? (query.idfs[at] ?? 0) * this.impact({ f, length, avgdl: query.avgdl }) : 0;
        if (!query.isPart[at]) {
          wordScore += contribution;
          continue;
        }
        if (f === 0) partsMissing = true;
        partsScore += contribution;
      }
      total += wordScore + (query.hasParts[groupAt] && !partsMissing ? partsScore : 0);
    }
    return total;
  }

  /** Positional: runs for every phrase of every document a query scores. */
  private frequency(doc: DocTerms, id: number, full: boolean): number {
    const { pairs } = doc;
    let low = 0;
    let high = (pairs.length >>> 1) - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const at = pairs[2 * mid] ?? 0;
      if (at === id) {
        const frequencies = pairs[2 * mid + 1] ?? 0;
        return full ? frequencies & 0xffff : frequencies >>> 16;
      }
      if (at < id) low = mid + 1;
      else high = mid - 1;
    }
    return 0;
  }

  private ensure(slots: number): void {
    if (slots <= this.generation.length) return;
    const capacity = Math.max(slots, this.generation.length * 2);
    const generation = new Uint32Array(capacity);
    generation.set(this.generation);
    this.generation = generation;
    const docLength = new Int32Array(capacity);
    docLength.set(this.docLength);
    this.docLength = docLength;
  }
}
