import { notFound } from '../errors.js';
import { MEDIA_CONTENT_TYPES, type MediaExtension } from '../media/media.js';
import type { MediaStorage } from '../ports/media-storage.port.js';
import type { Store } from '../ports/store.port.js';
import type { PublicVersions } from '../services/public-versions.js';

export interface MediaFile {
  data: Buffer;
  contentType: string;
  /** `public` when a public version shows the file; `staff` when only a signed-in staff member may see it. */
  audience: 'public' | 'staff';
}

/**
 * Who may fetch a stored file at /media/<file>. The public sees a file only while a version that the
 * public may see (PublicVersions) shows it in its frozen package: a withdrawn policy's graphics, a
 * draft's new graphics and uploads not attached anywhere answer exactly like a missing file. Staff
 * see every file, because the package editor previews drafts' graphics.
 */
export class MediaAccessService {
  constructor(private readonly deps: { store: Store; media: MediaStorage; publicVersions: PublicVersions }) {}

  async read({ hash, ext, staff }: { hash: string; ext: MediaExtension; staff: boolean }): Promise<MediaFile> {
    const missing = notFound({ code: 'media_not_found', message: '图片不存在' });
    const audience = (await this.isPublic({ hash })) ? 'public' : staff ? 'staff' : null;
    if (!audience) throw missing;
    const data = await this.deps.media.read({ hash, ext });
    if (!data) throw missing;
    return { data, contentType: MEDIA_CONTENT_TYPES[ext], audience };
  }

  private async isPublic({ hash }: { hash: string }): Promise<boolean> {
    const showing = await this.deps.store.interpretation.releasesShowingMedia({ hash });
    for (const { policyId, version } of showing) {
      if (await this.deps.publicVersions.find({ policyId, version })) return true;
    }
    return false;
  }
}

/** `<sha256>.<ext>` as the route schema admits it. */
export function parseMediaFile(file: string): { hash: string; ext: MediaExtension } {
  const [hash = '', ext = ''] = file.split('.');
  if (ext !== 'webp' && ext !== 'jpg' && ext !== 'png') throw notFound({ code: 'media_not_found', message: '图片不存在' });
  return { hash, ext };
}

