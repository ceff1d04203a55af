/**
 * Word-packed bitsets over dense numbers (document slots, subscriber and subscription ordinals):
 * filters are ANDs, counts are popcounts. Positional arguments on purpose: these run inside
 * per-slot loops.
 */
export function popcount32(value: number): number {
  let v = value - ((value >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

export function popcount(words: Uint32Array): number {
  let count = 0;
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? 0;
    if (word !== 0) count += popcount32(word);
  }
  return count;
}

export function countAnd(a: Uint32Array, b: Uint32Array): number {
  let count = 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const word = (a[i] ?? 0) & (b[i] ?? 0);
    if (word !== 0) count += popcount32(word);
  }
  return count;
}

export function andInto(target: Uint32Array, source: Uint32Array): void {
  for (let i = 0; i < target.length; i++) target[i] = (target[i] ?? 0) & (source[i] ?? 0);
}

export function orInto(target: Uint32Array, source: Uint32Array): void {
  for (let i = 0; i < target.length; i++) target[i] = (target[i] ?? 0) | (source[i] ?? 0);
}

export function forEachBit(words: Uint32Array, visit: (slot: number) => void): void {
  for (let i = 0; i < words.length; i++) {
    let word = words[i] ?? 0;
    while (word !== 0) {
      const lowest = word & -word;
      visit(i * 32 + 31 - Math.clz32(lowest));
      word ^= lowest;
    }
  }
}

export function hasBit(words: Uint32Array, slot: number): boolean {
  return (((words[slot >>> 5] ?? 0) >>> (slot & 31)) & 1) === 1;
}

/** A growable bitset over slots; the index grows all of them together. */
export class Bitset {
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

export function countAndNot(a: Uint32Array, b: Uint32Array): number {
  let count = 0;
  for (let i = 0; i < a.length; i++) {
    const word = (a[i] as number) & ~(b[i] ?? 0);
    if (word !== 0) count += popcount32(word);
  }
  return count;
}

export function setBit(words: Uint32Array, ordinal: number): void {
  const i = ordinal >>> 5;
  words[i] = (words[i] as number) | (1 << (ordinal & 31));
}

export function clearBit(words: Uint32Array, ordinal: number): void {
  const i = ordinal >>> 5;
  words[i] = (words[i] as number) & ~(1 << (ordinal & 31));
}

export function grown<T extends Uint32Array | Int32Array | Uint8Array>(array: T, length: number, fill: number): T {
  const next = new (array.constructor as new (length: number) => T)(length);
  next.set(array);
  if (fill !== 0) next.fill(fill, array.length);
  return next;
}

/** Calls `visit` for each set bit in ascending order; stops early when it returns false. */
export function eachBit(words: Uint32Array, visit: (ordinal: number) => boolean): void {
  for (let i = 0; i < words.length; i++) {
    let word = words[i] as number;
    while (word !== 0) {
      const lowest = word & -word;
      if (!visit(i * 32 + 31 - Math.clz32(lowest))) return;
      word ^= lowest;
    }
  }
}

/** Dense ordinals with reuse, so bitsets stay as short as the live population. */
export class Ordinals {
  private next = 0;
  private free: number[] = [];

  allocate(): number {
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    const ordinal = this.next;
    this.next += 1;
    return ordinal;
  }

  release(ordinal: number): void {
    this.free.push(ordinal);
  }
}
