import type { ImageFormat } from '../../schemas/interpretation.schema.js';
import { DomainError } from '../errors.js';
import { ImageDecodeError, type ImageHeader, type ImageProcessor } from '../ports/image-processor.port.js';

/** Widths of the stored variants: phone, page column, full-screen. Smaller originals are not enlarged. */
export const VARIANT_WIDTHS = [320, 960, 1920] as const;
const QUALITY = 82;

export interface ProcessedVariant {
  width: number;
  height: number;
  format: 'webp' | 'jpeg';
  data: Buffer;
}

export interface ProcessedImage {
  sourceFormat: ImageFormat;
  width: number;
  height: number;
  variants: ProcessedVariant[];
}

const ACCEPTED = 'PNG、JPEG、WebP 或 GIF';

/**
 * The format the bytes say they are, read from their signature rather than from the name or the
 * declared type, which the uploader controls. SVG is recognised only to refuse it with a reason:
 * it is a document that can carry scripts and external references, not a picture.
 */
export function sniffFormat(bytes: Buffer): ImageFormat | 'svg' | 'other-image' | null {
  const ascii = (start: number, end: number) => bytes.subarray(start, end).toString('latin1');
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 6 && (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a')) return 'gif';
  if (bytes.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  if (bytes.length >= 12 && ascii(4, 8) === 'ftyp') return 'other-image';
  if (bytes.length >= 4 && (ascii(0, 4) === 'II*\u0000' || ascii(0, 4) === 'MM\u0000*')) return 'other-image';
  if (bytes.length >= 2 && ascii(0, 2) === 'BM') return 'other-image';
  const head = bytes.subarray(0, 1024).toString('utf8').replace(/^\uFEFF/, '').trimStart().toLowerCase();
  if (head.startsWith('<svg') || (head.startsWith('<?xml') && head.includes('<svg'))) return 'svg';
  return null;
}

function refuse({ code, message, details, type = 'unsupported_media_type' }: { code: string; message: string; details?: unknown; type?: DomainError['type'] }): DomainError {
  return new DomainError({ type, code, message, details });
}

/**
 * Checks an upload and makes its variants: the real format from the bytes and again from the
 * decoder, a pixel ceiling before anything is decoded (a few kilobytes of PNG can declare a
 * gigapixel image), orientation applied from EXIF, and every variant written without metadata, so
 * EXIF with GPS positions, camera serials and the like never leaves the server.
 */
export async function processImage({ bytes, maxPixels, images }: { bytes: Buffer; maxPixels: number; images: ImageProcessor }): Promise<ProcessedImage> {
  const sniffed = sniffFormat(bytes);
  if (sniffed === null) {
    throw refuse({ code: 'not_an_image', message: `上传的文件不是图片，请上传 ${ACCEPTED} 格式的图片` });
  }
  if (sniffed === 'svg') {
    throw refuse({ code: 'image_format_unsupported', message: `不接受 SVG 图片（可能含脚本或外部引用），请导出为 ${ACCEPTED}`, details: { format: 'svg' } });
  }
  if (sniffed === 'other-image') {
    throw refuse({ code: 'image_format_unsupported', message: `只接受 ${ACCEPTED} 格式的图片` });
  }
  let header: ImageHeader;
  try {
    header = await images.readHeader({ bytes });
  } catch (error) {
    throw decodeError(error, maxPixels);
  }
  if (header.format !== sniffed) {
    throw refuse({ code: 'image_format_mismatch', message: `图片内容与其格式标识不符，请重新导出为 ${ACCEPTED}`, details: { signature: sniffed, decoded: header.format ?? undefined } });
  }
  const rawWidth = header.width;
  const rawHeight = header.height;
  if (rawWidth * rawHeight > maxPixels) throw pixelError({ width: rawWidth, height: rawHeight, maxPixels });
  // EXIF orientations 5–8 turn the picture a quarter: the displayed width is the stored height.
  const turned = header.orientation >= 5;
  const width = turned ? rawHeight : rawWidth;
  const height = turned ? rawWidth : rawHeight;
  const widths = [...new Set(VARIANT_WIDTHS.map((target) => Math.min(target, width)))];
  const variants: ProcessedVariant[] = [];
  try {
    for (const target of widths) {
      const { webp, jpeg } = await images.resize({ bytes, maxPixels, width: target, quality: QUALITY });
      variants.push({ ...webp, format: 'webp' });
      variants.push({ ...jpeg, format: 'jpeg' });
    }
  } catch (error) {
    throw decodeError(error, maxPixels);
  }
  return { sourceFormat: sniffed, width, height, variants };
}

function pixelError({ width, height, maxPixels }: { width: number; height: number; maxPixels: number }): DomainError {
  return refuse({
    type: 'too_large',
    code: 'image_too_many_pixels',
    message: `图片尺寸过大（${width}×${height}），超过 ${Math.round(maxPixels / 10_000)} 万像素上限，已拒绝（可能是解压炸弹）`,
    details: { width, height, maxPixels },
  });
}

function decodeError(error: unknown, maxPixels: number): DomainError {
  if (!(error instanceof ImageDecodeError)) throw error;
  if (error.problem === 'too_many_pixels') {
    return refuse({
      type: 'too_large',
      code: 'image_too_many_pixels',
      message: `图片尺寸过大，超过 ${Math.round(maxPixels / 10_000)} 万像素上限，已拒绝（可能是解压炸弹）`,
      details: { maxPixels },
    });
  }
  if (error.problem === 'unsupported') {
    return refuse({ code: 'not_an_image', message: `上传的文件不是图片，请上传 ${ACCEPTED} 格式的图片` });
  }
  return refuse({ type: 'invalid', code: 'image_corrupt', message: '图片已损坏或无法解码，请重新导出后上传', details: { reason: error.message } });
}
