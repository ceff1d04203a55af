/**
 * The filter fields of every indexed policy held in memory by slot (the document's rowid in the
 * SQLite tables), with per-tag bitsets, derived validity and the issue-date order.
 */
import type { DimensionId } from '../../../schemas/taxonomy.schema.js';
import type { Validity } from '../../../schemas/policy.schema.js';
import { effectiveValidity } from '../../services/validity.js';
import type { PolicySearchDoc } from '../../ports/search-index.port.js';
import { analyzeForIndex } from '../../text/segmenter.js';
import { normalizeText } from '../../text/text-normalizer.js';
import { Bitset, forEachBit, hasBit } from './embedded.bitset.js';
import { SlotTags } from './embedded.slot-tags.js';

export const VALIDITIES = ['effective', 'revised', 'repealed', 'expired'] as const satisfies readonly Validity[];
export const EFFECTIVE = 0;

// ---------------------------------------------------------------------------------------------
// Stored documents

/** What the docs table keeps as JSON: everything a hit shows and every filter reads. */
export interface StoredFields {
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

export interface SlotEntry {
  id: string;
  fields: StoredFields;
  issuerKey: string;
  /**
   * The body and its normalised form, for snippets. Held here because reading them back from the
   * docs table (two 3 KB text values on overflow pages) cost about 0.1 ms per hit, most of a
   * keyword query once ranking stopped scoring every match; about 6 KB per policy.
   */
  body: string;
  normalizedBody: string;
}

/** A tag's documents, numbered so facet counts can be kept in one flat array by tag. */
export class TagBitset extends Bitset {
  constructor(
    wordCount: number,
    readonly ordinal: number,
  ) {
    super(wordCount);
  }
}

export interface PreparedDoc {
  id: string;
  fields: StoredFields;
  fieldsJson: string;
  body: string;
  normalizedBody: string;
  words: FtsColumns;
  grams: FtsColumns;
}

/** Space-separated terms per column, in the column order of both FTS5 tables. */
export type FtsColumns = [title: string, tagText: string, body: string, docNumber: string, issuer: string];

export function dayNumber(date: string | null | undefined): number {
  if (!date) return 0;
  const value = Number(date.slice(0, 4)) * 10_000 + Number(date.slice(5, 7)) * 100 + Number(date.slice(8, 10));
  return Number.isFinite(value) ? value : 0;
}

export function issuerKey(issuer: string): string {
  return normalizeText(issuer.trim());
}

export function ftsColumns(doc: PolicySearchDoc): { words: FtsColumns; grams: FtsColumns } {
  const analysed = [doc.title, doc.tagText, doc.body, doc.docNumber, doc.issuer].map((text) =>
    text ? analyzeForIndex(text) : { words: [], grams: [] },
  );
  const column = (i: number, kind: 'words' | 'grams'): string => analysed[i]?.[kind].join(' ') ?? '';
  return {
    words: [column(0, 'words'), column(1, 'words'), column(2, 'words'), column(3, 'words'), column(4, 'words')],
    grams: [column(0, 'grams'), column(1, 'grams'), column(2, 'grams'), column(3, 'grams'), column(4, 'grams')],
  };
}

export function prepareDoc(doc: PolicySearchDoc): PreparedDoc {
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
export function latestById(docs: PolicySearchDoc[]): PolicySearchDoc[] {
  const byId = new Map<string, PolicySearchDoc>();
  for (const doc of docs) {
    byId.delete(doc.id);
    byId.set(doc.id, doc);
  }
  return [...byId.values()];
}

export function tagEntries(tags: Partial<Record<DimensionId, string[]>>): [DimensionId, string[]][] {
  return Object.entries(tags).filter((entry): entry is [DimensionId, string[]] => Array.isArray(entry[1]));
}

// ---------------------------------------------------------------------------------------------
// In-memory state

/**
 * Filter fields of every document by slot. A slot is the document's rowid in both SQLite tables,
 * so FTS5 results index these arrays directly; freed slots are reused to keep the arrays dense.
 */
export class MemoryState {
  private wordCount = 0;
  private capacity = 0;
  /** One past the highest slot filled since the last reset: no live slot lies beyond it. */
  private slotsInUse = 0;
  private nextSlot = 0;
  private freeSlots: number[] = [];
  entries: (SlotEntry | undefined)[] = [];
  readonly slotById = new Map<string, number>();
  readonly alive = new Bitset(0);
  readonly tagBits = new Map<DimensionId, Map<string, TagBitset>>();
  /** Tag bitsets made since the last reset: the next ordinal. */
  private tagBitsets = 0;
  /** Every slot's tag ordinals, for counting facets document by document. */
  slotTags = new SlotTags();
  readonly issuerBits = new Map<string, Bitset>();
  issuedDay: Int32Array = new Int32Array(0);
  private mutation = 0;
  private derived: { today: string; mutation: number; validity: Uint8Array } | null = null;
  private derivedBits: { today: string; mutation: number; bits: Uint32Array[] } | null = null;
  private issuedOrder: { mutation: number; dated: Int32Array; undated: Int32Array } | null = null;

  get size(): number {
    return this.slotById.size;
  }

  /**
   * Words of a query bitset: enough for every filled slot, not the whole capacity, since capacity
   * doubles and every filter, count and facet of a search loops over these words.
   */
  get words(): number {
    return Math.ceil(this.slotsInUse / 32);
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

  put({ slot, id, fields, body, normalizedBody }: { slot: number; id: string; fields: StoredFields; body: string; normalizedBody: string }): void {
    this.ensureCapacity(slot + 1);
    this.clearSlot(slot);
    // Equal strings share one copy.
    const entry: SlotEntry = { id, fields, issuerKey: issuerKey(fields.issuer), body, normalizedBody: normalizedBody === body ? body : normalizedBody };
    this.entries[slot] = entry;
    this.slotsInUse = Math.max(this.slotsInUse, slot + 1);
    this.slotById.set(id, slot);
    this.alive.add(slot);
    this.issuedDay[slot] = dayNumber(fields.issuedAt);
    this.bitsetFor({ map: this.issuerBits, key: entry.issuerKey }).add(slot);
    const ordinals: number[] = [];
    for (const [dimension, tagIds] of tagEntries(fields.tagsByDimension)) {
      const byTag = this.dimensionBits(dimension);
      for (const tagId of tagIds) {
        const bits = this.tagBitset({ byTag, tagId });
        // A tag listed twice is one tag of the document.
        if (hasBit(bits.words, slot)) continue;
        bits.add(slot);
        ordinals.push(bits.ordinal);
      }
    }
    this.slotTags.set({ slot, ordinals });
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
    this.slotsInUse = 0;
    this.nextSlot = 0;
    this.freeSlots = [];
    this.entries = [];
    this.slotById.clear();
    this.alive.words = new Uint32Array(0);
    this.tagBits.clear();
    this.tagBitsets = 0;
    this.slotTags = new SlotTags();
    this.issuerBits.clear();
    this.issuedDay = new Int32Array(0);
    this.mutation += 1;
  }

  /** Validity as of `today` (the shared rule of services/validity.ts), as VALIDITIES codes by slot. */
  derivedValidity(today: string): Uint8Array {
    if (this.derived && this.derived.today === today && this.derived.mutation === this.mutation) return this.derived.validity;
    const validity = new Uint8Array(this.capacity);
    for (let slot = 0; slot < this.capacity; slot++) {
      const fields = this.entries[slot]?.fields;
      if (!fields) continue;
      validity[slot] = Math.max(EFFECTIVE, VALIDITIES.indexOf(effectiveValidity({ validity: fields.validity, expiresAt: fields.expiresAt, today })));
    }
    this.derived = { today, mutation: this.mutation, validity };
    return validity;
  }

  /**
   * Per VALIDITIES code, the live slots with that validity as of `today`: a validity filter is then
   * an OR of a few bitsets and a validity facet a popcount, instead of a visit of every slot.
   */
  validitySlots(today: string): Uint32Array[] {
    if (this.derivedBits && this.derivedBits.today === today && this.derivedBits.mutation === this.mutation) return this.derivedBits.bits;
    const validity = this.derivedValidity(today);
    const bits = VALIDITIES.map(() => new Uint32Array(this.wordCount));
    forEachBit(this.alive.words, (slot) => {
      const target = bits[validity[slot] ?? EFFECTIVE];
      if (target) target[slot >>> 5] = (target[slot >>> 5] ?? 0) | (1 << (slot & 31));
    });
    this.derivedBits = { today, mutation: this.mutation, bits };
    return bits;
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
    this.slotTags.clear(slot);
    this.alive.delete(slot);
    this.slotById.delete(previous.id);
    this.entries[slot] = undefined;
    this.issuedDay[slot] = 0;
  }

  /** Tag bitsets made so far; a facet count array by ordinal has this many entries. */
  get tagOrdinalCount(): number {
    return this.tagBitsets;
  }

  private tagBitset({ byTag, tagId }: { byTag: Map<string, TagBitset>; tagId: string }): TagBitset {
    let bits = byTag.get(tagId);
    if (!bits) {
      bits = new TagBitset(this.wordCount, this.tagBitsets);
      this.tagBitsets += 1;
      byTag.set(tagId, bits);
    }
    return bits;
  }

  private dimensionBits(dimension: DimensionId): Map<string, TagBitset> {
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
    this.slotTags.grow(capacity);
  }
}

export function grownInt32({ array, length }: { array: Int32Array; length: number }): Int32Array {
  const grown = new Int32Array(length);
  grown.set(array);
  return grown;
}

export function compareIds(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  return (a ?? '') < (b ?? '') ? -1 : 1;
}
