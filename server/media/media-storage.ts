import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export type MediaExtension = 'webp' | 'jpg' | 'png';

export const MEDIA_CONTENT_TYPES: Record<MediaExtension, string> = { webp: 'image/webp', jpg: 'image/jpeg', png: 'image/png' };

export function sha256(data: Buffer | string): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/**
 * Content-addressed files under DATA_DIR/media: the name is the sha256 of the bytes, so a file never
 * changes once written, can be cached forever and is written once however often it is uploaded.
 * Several web processes on several machines need this directory on a shared volume.
 */
export class MediaStorage {
  constructor(private readonly root: string) {}

  filePath({ hash, ext }: { hash: string; ext: MediaExtension }): string {
    return path.join(this.root, hash.slice(0, 2), `${hash}.${ext}`);
  }

  static url({ hash, ext }: { hash: string; ext: MediaExtension }): string {
    return `/media/${hash}.${ext}`;
  }

  /** Writes the bytes under their hash and returns it; a concurrent writer of the same bytes is harmless. */
  async put({ data, ext }: { data: Buffer; ext: MediaExtension }): Promise<string> {
    const hash = sha256(data);
    const target = this.filePath({ hash, ext });
    if (fs.existsSync(target)) return hash;
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    // Rename is atomic: a reader never sees half a file.
    const temporary = `${target}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    await fs.promises.writeFile(temporary, data);
    await fs.promises.rename(temporary, target);
    return hash;
  }

  /**
   * A derived file kept under a key of the caller's choosing (the hash of what it is derived from),
   * produced once: summary cards are rendered on first request and served from disk afterwards.
   */
  async derived({ key, ext, produce }: { key: string; ext: MediaExtension; produce: () => Promise<Buffer> }): Promise<Buffer> {
    const target = path.join(this.root, 'derived', key.slice(0, 2), `${key}.${ext}`);
    try {
      return await fs.promises.readFile(target);
    } catch {
      const data = await produce();
      await fs.promises.mkdir(path.dirname(target), { recursive: true });
      const temporary = `${target}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
      await fs.promises.writeFile(temporary, data);
      await fs.promises.rename(temporary, target);
      return data;
    }
  }

  exists({ hash, ext }: { hash: string; ext: MediaExtension }): boolean {
    return fs.existsSync(this.filePath({ hash, ext }));
  }
}
