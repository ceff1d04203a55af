import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sha256 } from '../../media/media.js';
import type { MediaExtension, MediaStorage } from '../../ports/media-storage.port.js';

/**
 * Media under DATA_DIR/media, two hex digits of fan-out. Several web processes on several machines
 * need this directory on a shared volume (or an object-store adapter instead).
 */
export class FilesystemMediaStorage implements MediaStorage {
  constructor(private readonly root: string) {}

  private filePath({ hash, ext }: { hash: string; ext: MediaExtension }): string {
    return path.join(this.root, hash.slice(0, 2), `${hash}.${ext}`);
  }

  async put({ data, ext }: { data: Buffer; ext: MediaExtension }): Promise<string> {
    const hash = sha256(data);
    const target = this.filePath({ hash, ext });
    if (fs.existsSync(target)) return hash;
    await writeAtomically({ target, data });
    return hash;
  }

  async read({ hash, ext }: { hash: string; ext: MediaExtension }): Promise<Buffer | null> {
    // The hash comes from a URL: anything but hex never names a file.
    if (!/^[0-9a-f]{64}$/.test(hash)) return null;
    try {
      return await fs.promises.readFile(this.filePath({ hash, ext }));
    } catch {
      return null;
    }
  }

  async derived({ key, ext, produce }: { key: string; ext: MediaExtension; produce: () => Promise<Buffer> }): Promise<Buffer> {
    const target = path.join(this.root, 'derived', key.slice(0, 2), `${key}.${ext}`);
    try {
      return await fs.promises.readFile(target);
    } catch {
      const data = await produce();
      await writeAtomically({ target, data });
      return data;
    }
  }
}

/** Rename is atomic: a reader never sees half a file, and a concurrent writer of the same bytes is harmless. */
async function writeAtomically({ target, data }: { target: string; data: Buffer }): Promise<void> {
  await fs.promises.mkdir(path.dirname(target), { recursive: true });
  const temporary = `${target}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  await fs.promises.writeFile(temporary, data);
  await fs.promises.rename(temporary, target);
}
