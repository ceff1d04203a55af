/**
 * The image engine: reading an image's header, encoding resized copies and rasterising SVG. What
 * is accepted, the pixel ceiling, the widths and the messages are the interpretation module's
 * (server/interpretation/image-upload.ts); the adapter only decodes and encodes.
 */
/** The font family SVG text may name; the adapter makes sure the bundled CJK font answers to it. */
export const CARD_FONT_FAMILY = 'Noto Sans SC';

export interface ImageHeader {
  /** The decoder's name for the format (`png`, `jpeg`, `gif`, `webp`, …), or null when it cannot tell. */
  format: string | null;
  width: number;
  height: number;
  /** EXIF orientation 1–8 (1 when absent). */
  orientation: number;
}

export interface EncodedImage {
  width: number;
  height: number;
  data: Buffer;
}

/** Why the engine could not decode: the domain turns each into its own refusal. */
export type ImageDecodeProblem = 'too_many_pixels' | 'unsupported' | 'corrupt';

export class ImageDecodeError extends Error {
  constructor(
    readonly problem: ImageDecodeProblem,
    message: string,
  ) {
    super(message);
    this.name = 'ImageDecodeError';
  }
}

export interface ImageProcessor {
  /** Header only, nothing decoded. Rejects with ImageDecodeError. */
  readHeader(input: { bytes: Buffer }): Promise<ImageHeader>;
  /**
   * One width as WebP and as JPEG (flattened onto white), orientation applied, no metadata kept,
   * decoding refused beyond `maxPixels`. Rejects with ImageDecodeError.
   */
  resize(input: { bytes: Buffer; maxPixels: number; width: number; quality: number }): Promise<{ webp: EncodedImage; jpeg: EncodedImage }>;
  /** An SVG document as PNG, with the bundled CJK font available to its text. */
  renderSvgPng(input: { svg: string }): Promise<Buffer>;
}
