import sharp from 'sharp';
import { ImageDecodeError, type EncodedImage, type ImageHeader, type ImageProcessor } from '../../ports/image-processor.port.js';
import { ensureCardFonts } from './sharp.fonts.js';

/** libvips through sharp. Its error texts are mapped to the port's three decode problems here and nowhere else. */
export class SharpImageProcessor implements ImageProcessor {
  constructor() {
    // Before anything renders text: fontconfig reads its configuration once per process.
    ensureCardFonts();
  }

  async readHeader({ bytes }: { bytes: Buffer }): Promise<ImageHeader> {
    try {
      // Header only: dimensions are read without decoding, so a refusal can name them.
      const metadata = await sharp(bytes, { limitInputPixels: false, failOn: 'error', animated: false }).metadata();
      return { format: metadata.format ?? null, width: metadata.width ?? 0, height: metadata.height ?? 0, orientation: metadata.orientation ?? 1 };
    } catch (error) {
      throw decodeError(error);
    }
  }

  async resize({ bytes, maxPixels, width, quality }: { bytes: Buffer; maxPixels: number; width: number; quality: number }): Promise<{ webp: EncodedImage; jpeg: EncodedImage }> {
    try {
      // sharp writes no metadata unless asked to: EXIF (GPS, camera serials) never leaves the server.
      const base = sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error', animated: false }).autoOrient().resize({ width, withoutEnlargement: true });
      const webp = await base.clone().webp({ quality }).toBuffer({ resolveWithObject: true });
      // JPEG has no transparency: flatten onto white, as the pages that show it are white.
      const jpeg = await base.clone().flatten({ background: '#ffffff' }).jpeg({ quality, mozjpeg: true }).toBuffer({ resolveWithObject: true });
      return {
        webp: { width: webp.info.width, height: webp.info.height, data: webp.data },
        jpeg: { width: jpeg.info.width, height: jpeg.info.height, data: jpeg.data },
      };
    } catch (error) {
      throw decodeError(error);
    }
  }

  async renderSvgPng({ svg }: { svg: string }): Promise<Buffer> {
    return sharp(Buffer.from(svg, 'utf8'), { density: 72 }).png({ compressionLevel: 9 }).toBuffer();
  }
}

function decodeError(error: unknown): ImageDecodeError {
  const message = error instanceof Error ? error.message : String(error);
  if (/pixel limit/i.test(message)) return new ImageDecodeError('too_many_pixels', message);
  if (/unsupported image format/i.test(message)) return new ImageDecodeError('unsupported', message);
  return new ImageDecodeError('corrupt', message);
}
