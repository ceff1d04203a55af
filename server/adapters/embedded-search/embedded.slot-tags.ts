/**
 * Each slot's tag ordinals in one flat array, a fixed number per slot, so facet counts over a few
 * hundred matching documents can be added up document by document with sequential reads instead
 * of a popcount over every tag's whole bitset.
 */
const TAGS_PER_SLOT = 24;
/** Marks a slot holding more tags than fit: while any live slot does, counting falls back to bitsets. */
const OVERFLOW = 255;
/** Ordinals are kept in 16 bits: a slot holding a tag past it counts as overflowing. */
const MAX_ORDINAL = 0xffff;

export class SlotTags {
  private ordinals = new Uint16Array(0);
  private held = new Uint8Array(0);
  private overflowing = 0;
  private references = 0;

  grow(capacity: number): void {
    if (capacity <= this.held.length) return;
    const ordinals = new Uint16Array(capacity * TAGS_PER_SLOT);
    ordinals.set(this.ordinals);
    this.ordinals = ordinals;
    const held = new Uint8Array(capacity);
    held.set(this.held);
    this.held = held;
  }

  set({ slot, ordinals }: { slot: number; ordinals: readonly number[] }): void {
    this.clear(slot);
    if (ordinals.length > TAGS_PER_SLOT || ordinals.some((ordinal) => ordinal > MAX_ORDINAL)) {
      this.held[slot] = OVERFLOW;
      this.overflowing += 1;
      return;
    }
    this.ordinals.set(ordinals, slot * TAGS_PER_SLOT);
    this.held[slot] = ordinals.length;
    this.references += ordinals.length;
  }

  clear(slot: number): void {
    const held = this.held[slot] ?? 0;
    if (held === OVERFLOW) this.overflowing -= 1;
    else this.references -= held;
    this.held[slot] = 0;
  }

  /** Whether every live slot's tags are here, so counting by document is exact. */
  get complete(): boolean {
    return this.overflowing === 0;
  }

  /** Tags per document over `documents` live ones. */
  perDocument(documents: number): number {
    return documents === 0 ? 0 : this.references / documents;
  }

  /**
   * Adds one to `counts[ordinal]` for every tag of every slot in `scope`. The whole scope in one
   * loop, the arrays read into locals once: a call per matching document cost more than its tags.
   */
  tallyScope(scope: Uint32Array, counts: Int32Array): void {
    const { ordinals, held } = this;
    for (let word = 0; word < scope.length; word++) {
      let bits = scope[word] ?? 0;
      while (bits !== 0) {
        const lowest = bits & -bits;
        bits ^= lowest;
        const slot = (word << 5) + 31 - Math.clz32(lowest);
        const from = slot * TAGS_PER_SLOT;
        const to = from + (held[slot] ?? 0);
        for (let i = from; i < to; i++) {
          const ordinal = ordinals[i] ?? 0;
          counts[ordinal] = (counts[ordinal] ?? 0) + 1;
        }
      }
    }
  }
}
