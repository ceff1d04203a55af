/**
 * Reads a PDF's positioned text in a worker thread, for `pdf.reader.ts`.
 *
 * Why a thread of its own: pdfjs-dist's build for Node 20 carries core-js polyfills that replace
 * built-ins of the realm that loads it (`JSON.stringify` among them: every JSON response of the
 * server became several times slower), and parsing a large or hostile PDF is synchronous work that
 * would hold the event loop. In a worker the polyfills stay in the worker's realm, and a parse that
 * runs too long is ended by terminating the worker.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { parentPort } from 'node:worker_threads';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { TextItem } from 'pdfjs-dist/types/src/display/api.js';
import type { PdfTextReply, PdfTextRequest, PositionedText } from './pdf-text.protocol.js';

/** Character maps and standard fonts ship with pdfjs-dist; Chinese PDFs with predefined CMaps need them. */
const PDFJS_ROOT = path.dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
const CMAP_URL = `${path.join(PDFJS_ROOT, 'cmaps')}${path.sep}`;
const FONT_URL = `${path.join(PDFJS_ROOT, 'standard_fonts')}${path.sep}`;

async function readText({ bytes, maxPages }: PdfTextRequest): Promise<PdfTextReply> {
  const task = getDocument({
    data: bytes,
    cMapUrl: CMAP_URL,
    cMapPacked: true,
    standardFontDataUrl: FONT_URL,
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    verbosity: 0,
  });
  let document: Awaited<typeof task.promise>;
  try {
    document = await task.promise;
  } catch (error) {
    await task.destroy();
    if (error instanceof Error && error.name === 'PasswordException') return { kind: 'encrypted' };
    return { kind: 'malformed', reason: error instanceof Error ? error.message.slice(0, 200) : '' };
  }
  try {
    if (document.numPages > maxPages) return { kind: 'too_many_pages', pages: document.numPages };
    const pages: PositionedText[][] = [];
    for (let n = 1; n <= document.numPages; n += 1) {
      const page = await document.getPage(n);
      const content = await page.getTextContent();
      pages.push(
        content.items
          .filter((item): item is TextItem => 'str' in item)
          .map((item) => ({ str: item.str, hasEOL: item.hasEOL, x: Number(item.transform[4]), y: Number(item.transform[5]), width: item.width, height: item.height, scaleY: Number(item.transform[3]) })),
      );
      page.cleanup();
    }
    const info = (await document.getMetadata().catch(() => null))?.info;
    const title = info && typeof info === 'object' && 'Title' in info && typeof info.Title === 'string' ? info.Title.trim() : '';
    return { kind: 'text', pages, title };
  } finally {
    await document.destroy();
  }
}

parentPort?.on('message', (request: PdfTextRequest) => {
  readText(request).then(
    (reply) => parentPort?.postMessage(reply),
    (error: unknown) => parentPort?.postMessage({ kind: 'malformed', reason: error instanceof Error ? error.message.slice(0, 200) : '' } satisfies PdfTextReply),
  );
});
