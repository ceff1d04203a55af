/** Messages between `pdf.reader.ts` and its worker thread (`pdf-text.worker.ts`). */

export interface PdfTextRequest {
  bytes: Uint8Array;
  maxPages: number;
}

/** A text item as pdfjs placed it on the page (its transform reduced to what reading order needs). */
export interface PositionedText {
  str: string;
  hasEOL: boolean;
  x: number;
  y: number;
  width: number;
  height: number;
  /** The transform's vertical scale, the height when an item reports none. */
  scaleY: number;
}

export type PdfTextReply =
  | { kind: 'text'; pages: PositionedText[][]; title: string }
  | { kind: 'encrypted' }
  | { kind: 'too_many_pages'; pages: number }
  | { kind: 'malformed'; reason: string };
