import { deepFreeze } from '../../deep-freeze.js';

/**
 * Decoded document rows, reused only while the stored text is byte for byte the same.
 *
 * A public policy page reads the same policy and version rows several times, and every read used to
 * run `JSON.parse` and a full schema parse of a document holding the whole body and its articles.
 * The row is still read from SQLite on every call (as UTF-8 bytes, which is cheaper than building a
 * JavaScript string of a 17 KB document) and compared in full with the bytes the cached document was
 * decoded from. Another process's write (the workers, an import) changes the bytes, so a stale
 * document can never be answered: only the decoding is shared, never the decision of whether a row
 * exists or what it says.
 *
 * The decoded objects are deep-frozen because several callers (and requests) now hold the same
 * object: a caller that mutated one by accident would otherwise change what the next caller reads.
 */
export class DecodedRows<T extends object> {
  private readonly entries = new Map<string, { bytes: Buffer; decoded: T }>();
  private bytes = 0;

  constructor(
    private readonly options: {
      decode: (text: string) => T;
      /** Most documents kept; the least recently used go first. */
      maxEntries: number;
      /** Most bytes of stored text kept, so a few huge documents cannot hold a lot of memory. */
      maxBytes: number;
    },
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** `key` names the row (its primary key); `bytes` is the stored text just read from it. */
  decode({ key, bytes }: { key: string; bytes: Buffer }): T {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.bytes -= hit.bytes.length;
      if (hit.bytes.equals(bytes)) return this.keep({ key, entry: hit });
    }
    const decoded = deepFreeze(this.options.decode(bytes.toString('utf8')));
    if (bytes.length > this.options.maxBytes) return decoded;
    return this.keep({ key, entry: { bytes, decoded } });
  }

  /** (Re-)inserts at the end: Map iteration order is the eviction order. */
  private keep({ key, entry }: { key: string; entry: { bytes: Buffer; decoded: T } }): T {
    this.entries.set(key, entry);
    this.bytes += entry.bytes.length;
    for (const [oldestKey, oldest] of this.entries) {
      if (this.entries.size <= this.options.maxEntries && this.bytes <= this.options.maxBytes) break;
      this.entries.delete(oldestKey);
      this.bytes -= oldest.bytes.length;
    }
    return entry.decoded;
  }
}
