/**
 * Decoded document rows, keyed by the exact JSON text stored in the row.
 *
 * A public policy page reads the same policy and version rows several times, and every read used to
 * run `JSON.parse` and a full schema parse of a document holding the whole body and its articles.
 * The row text is still read from SQLite on every call, so another process's write (the workers, an
 * import) changes the text and therefore the key: a stale document can never be answered. Only the
 * decoding is shared, never the decision of whether a row exists or what it says.
 *
 * The decoded objects are deep-frozen because several callers (and requests) now hold the same
 * object: a caller that mutated one by accident would otherwise change what the next caller reads.
 */
export class DecodedRows<T extends object> {
  private readonly entries = new Map<string, T>();
  private chars = 0;

  constructor(
    private readonly options: {
      decode: (text: string) => T;
      /** Most documents kept; the least recently used go first. */
      maxEntries: number;
      /** Most characters of stored text kept, so a few huge documents cannot hold a lot of memory. */
      maxChars: number;
    },
  ) {}

  get size(): number {
    return this.entries.size;
  }

  decode(text: string): T {
    const hit = this.entries.get(text);
    if (hit !== undefined) {
      // Re-inserting moves the entry to the end: Map iteration order is the eviction order.
      this.entries.delete(text);
      this.entries.set(text, hit);
      return hit;
    }
    const decoded = deepFreeze(this.options.decode(text));
    if (text.length > this.options.maxChars) return decoded;
    this.entries.set(text, decoded);
    this.chars += text.length;
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.options.maxEntries && this.chars <= this.options.maxChars) break;
      this.entries.delete(oldest);
      this.chars -= oldest.length;
    }
    return decoded;
  }
}

/** Freezes an object and everything reachable from it (decoded JSON: plain objects and arrays). */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return value;
}
