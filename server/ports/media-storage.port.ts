/**
 * Content-addressed media (uploaded picture variants, rendered summary cards). The name of a file
 * is the sha256 of its bytes, so a file never changes once written and can be cached forever; an
 * adapter may keep them on a shared volume or in an object store.
 */
export type MediaExtension = 'webp' | 'jpg' | 'png' | 'pdf';

export interface MediaStorage {
  /** Stores the bytes under their hash and returns it; writing the same bytes twice is harmless. */
  put(input: { data: Buffer; ext: MediaExtension }): Promise<string>;
  /** The bytes of a stored file, or null when there is none. */
  read(input: { hash: string; ext: MediaExtension }): Promise<Buffer | null>;
  /**
   * A derived file under a key of the caller's choosing (the hash of what it is derived from),
   * produced once and read back afterwards.
   */
  derived(input: { key: string; ext: MediaExtension; produce: () => Promise<Buffer> }): Promise<Buffer>;
}
