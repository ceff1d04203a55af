import type { Worker } from 'node:worker_threads';
import { startWorkerThread } from '../../worker-thread.js';
import type { ExtractedBlock, ExtractedDocument, IngestWarning } from '../ingest.types.js';
import { refuse } from '../ingest-errors.js';
import type { PdfTextReply, PdfTextRequest, PositionedText } from './pdf-text.protocol.js';

export const PDF_MAX_PAGES = 2000;
/** A PDF whose text takes longer than this to read is refused (a hostile or broken file, not a policy). */
export const PDF_READ_TIMEOUT_MS = 60_000;

interface Line {
  text: string;
  x: number;
  right: number;
  y: number;
  height: number;
}

/** Page numbers as offices print them: `- 3 -`, `— 3 —`, `第 3 页`, `第3页 共9页`, `3 / 9`, `Page 3`. */
const PAGE_NUMBER = [
  /^[-—–－\s]*\d{1,4}[-—–－\s]*$/,
  /^第\s*[\d一二三四五六七八九十百]+\s*页(?:\s*[，,/]?\s*共\s*[\d一二三四五六七八九十百]+\s*页)?$/,
  /^共\s*\d+\s*页\s*第\s*\d+\s*页$/,
  /^\d{1,4}\s*[/／]\s*\d{1,4}$/,
  /^page\s*\d+(?:\s*of\s*\d+)?$/i,
];
export const isPageNumber = (text: string) => PAGE_NUMBER.some((re) => re.test(text.trim()));

/** Text items into lines: grouped by baseline (top of page first), each line read left to right. */
function linesOf(items: PositionedText[]): Line[] {
  const placed = items
    .filter((item) => item.str !== '' || item.hasEOL)
    .map((item) => ({ str: item.str, x: item.x, y: item.y, width: item.width, height: Math.abs(item.height) || Math.abs(item.scaleY) || 10 }))
    .filter((item) => item.str.trim() !== '');
  placed.sort((a, b) => b.y - a.y || a.x - b.x);
  const lines: (typeof placed)[] = [];
  for (const item of placed) {
    const current = lines[lines.length - 1];
    const anchor = current?.[0];
    if (current && anchor && Math.abs(anchor.y - item.y) <= Math.max(anchor.height, item.height) * 0.5) current.push(item);
    else lines.push([item]);
  }
  return lines.map((parts) => {
    parts.sort((a, b) => a.x - b.x);
    let text = '';
    let end = Number.NEGATIVE_INFINITY;
    for (const part of parts) {
      // A visible gap between Latin words is a space; Chinese runs are set without one.
      const gap = part.x - end;
      if (text && gap > part.height * 0.25 && /[\x21-\x7e]$/.test(text) && /^[\x21-\x7e]/.test(part.str)) text += ' ';
      text += part.str;
      end = part.x + part.width;
    }
    const first = parts[0];
    return { text: text.replace(/[ \t\n\r\f\v\u00a0]+/g, ' ').trim(), x: first?.x ?? 0, right: end, y: first?.y ?? 0, height: Math.max(...parts.map((p) => p.height)) };
  });
}

const shapeOf = (text: string) => text.replace(/\d+/g, '#').replace(/\s+/g, '');

/**
 * Running headers and footers: a line in the top or bottom two of a page whose shape (digits
 * ignored) recurs on at least half of the pages, and page numbers there. Returns what stays.
 */
function withoutFurniture(pages: Line[][]): { pages: Line[][]; removed: number } {
  const edge = (page: Line[]) => new Set([...page.slice(0, 2), ...page.slice(-2)]);
  const counts = new Map<string, number>();
  for (const page of pages) for (const shape of new Set([...edge(page)].map((l) => shapeOf(l.text)))) counts.set(shape, (counts.get(shape) ?? 0) + 1);
  const repeated = (line: Line) => pages.length >= 2 && (counts.get(shapeOf(line.text)) ?? 0) >= Math.max(2, Math.ceil(pages.length / 2));
  let removed = 0;
  const kept = pages.map((page) => {
    const edges = edge(page);
    return page.filter((line) => {
      const furniture = edges.has(line) && (isPageNumber(line.text) || repeated(line));
      if (furniture) removed += 1;
      return !furniture;
    });
  });
  return { pages: kept, removed };
}

/**
 * Lines into paragraphs: a line that runs to the right margin and does not end a sentence
 * continues on the next line, as it does when the PDF wrapped it.
 */
function paragraphsOf(lines: Line[]): string[] {
  const right = Math.max(...lines.map((l) => l.right), 0);
  const out: string[] = [];
  let open = false;
  for (const line of lines) {
    const last = out.length - 1;
    if (open && last >= 0) out[last] = `${out[last]}${line.text}`;
    else out.push(line.text);
    open = line.right >= right - line.height * 1.5 && !/[。；：！？:;!?]$/.test(line.text) && line.text.length > 15;
  }
  return out;
}

/**
 * The worker thread that runs pdfjs (see `pdf-text.worker.ts` for why), started on the first PDF
 * and kept for the next; one file at a time. A file that takes longer than the time limit ends the
 * worker, and the next file starts a new one.
 */
class PdfTextThread {
  private worker: Worker | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  read(request: PdfTextRequest): Promise<PdfTextReply> {
    const run = this.queue.then(() => this.readNow(request));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private readNow(request: PdfTextRequest): Promise<PdfTextReply> {
    const worker = this.started();
    return new Promise<PdfTextReply>((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      const onMessage = (reply: PdfTextReply): void => {
        finish();
        resolve(reply);
      };
      const onError = (error: Error): void => {
        finish();
        this.drop(worker);
        reject(refuse.malformed({ format: 'PDF', reason: error.message.slice(0, 200) }));
      };
      const onExit = (): void => {
        finish();
        this.drop(worker);
        reject(refuse.malformed({ format: 'PDF', reason: '读取进程意外退出' }));
      };
      const timer = setTimeout(() => {
        finish();
        this.drop(worker);
        void worker.terminate();
        reject(refuse.tooSlow({ format: 'PDF', seconds: PDF_READ_TIMEOUT_MS / 1000 }));
      }, PDF_READ_TIMEOUT_MS);
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage(request);
    });
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorkerThread({ name: 'pdf-text.worker', from: import.meta.url });
    // An idle reader must not keep a finished import or a stopping server alive.
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private drop(worker: Worker): void {
    if (this.worker === worker) this.worker = null;
  }
}

const pdfText = new PdfTextThread();

/**
 * `.pdf` with a text layer, through pdfjs-dist (the reader browsers use, pure JavaScript) in a
 * worker thread: lines rebuilt from positioned text items in reading order, running headers,
 * footers and page numbers dropped. Encrypted files, scans without text and files that take too
 * long to read are refused.
 */
export async function readPdf({ bytes }: { bytes: Uint8Array }): Promise<ExtractedDocument> {
  if (Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes('/Encrypt')) throw refuse.encrypted({ format: 'PDF' });
  const reply = await pdfText.read({ bytes: new Uint8Array(bytes), maxPages: PDF_MAX_PAGES });
  if (reply.kind === 'encrypted') throw refuse.encrypted({ format: 'PDF' });
  if (reply.kind === 'malformed') throw refuse.malformed({ format: 'PDF', reason: reply.reason || '内容损坏' });
  if (reply.kind === 'too_many_pages') throw refuse.malformed({ format: 'PDF', reason: `共 ${reply.pages} 页，超过 ${PDF_MAX_PAGES} 页的上限` });
  const pages = reply.pages.map((items) => linesOf(items));
  const blankPages = pages.flatMap((lines, at) => (lines.length === 0 ? [at + 1] : []));
  if (blankPages.length === pages.length) throw refuse.noTextLayer({ pages: pages.length });
  const { pages: kept, removed } = withoutFurniture(pages);
  const paragraphs = kept.flatMap((lines) => paragraphsOf(lines)).filter(Boolean);
  if (paragraphs.length === 0) throw refuse.empty();
  const warnings: IngestWarning[] = [];
  if (removed > 0) warnings.push({ code: 'pdf_page_furniture_removed', message: `已去除页眉、页脚和页码 ${removed} 处。` });
  if (blankPages.length > 0) warnings.push({ code: 'pdf_pages_without_text', message: `第 ${blankPages.join('、')} 页没有文字层（可能是扫描页），其内容未导入。` });
  const blocks: ExtractedBlock[] = paragraphs.map((text) => ({ kind: 'paragraph', text }));
  return { format: 'pdf', encoding: 'pdf', text: paragraphs.join('\n'), blocks, ...(reply.title ? { title: reply.title } : {}), warnings };
}
