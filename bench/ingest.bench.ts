/**
 * Bringing documents in: documents per second for each format's reader (read + repair, nothing
 * written) on a batch of 200 generated files, and the import itself into a real SQLite store,
 * next to plain-text JSONL import in the same run.
 *
 * Run alone with `npx tsx bench/ingest.bench.ts` (about a minute, most of it generating the PDFs).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../server/config.js';
import { extractDocument, extractLimits } from '../server/ingest/extract-document.js';
import { prepareDocument } from '../server/ingest/prepare-document.js';
import { createLogger } from '../server/logger.js';
import { closeServices, openServices } from '../server/platform.js';
import { DocumentImportService } from '../server/services/document-import.service.js';
import { buildDocx, buildPdf, gbk, savedWebPage, type DocxPart } from '../test/support/ingest-fixtures.js';
import { type BenchRow, printTable } from './bench-table.js';

const BATCH = 200;
const ARTICLES = 30;

interface GeneratedFile {
  filename: string;
  bytes: Uint8Array;
}

/** A policy of `ARTICLES` articles, different in each file so nothing is cached between them. */
function articles(n: number): string[] {
  return Array.from({ length: ARTICLES }, (_v, i) => `第${i + 1}条　第${n}号文件的第${i + 1}条：企业开展专利转化运用的，按实际发生额的百分之三十给予资助，单个企业年度资助总额不超过五十万元。`);
}

const titleOf = (n: number) => `关于促进专利转化运用的若干措施（第${n}号）`;

async function generate(format: string): Promise<GeneratedFile[]> {
  const files: GeneratedFile[] = [];
  for (let n = 1; n <= BATCH; n += 1) {
    const lines = articles(n);
    const title = titleOf(n);
    switch (format) {
      case 'txt (UTF-8)':
        files.push({ filename: `${n}.txt`, bytes: Buffer.from([title, ...lines].join('\n')) });
        break;
      case 'txt (GBK)':
        files.push({ filename: `${n}.txt`, bytes: gbk([title, ...lines].join('\n')) });
        break;
      case 'md':
        files.push({ filename: `${n}.md`, bytes: Buffer.from([`# ${title}`, '', ...lines].join('\n')) });
        break;
      case 'html': {
        const page = savedWebPage({ title }).replace('<p>各区知识产权局、各有关单位：</p>', lines.map((l) => `<p>${l}</p>`).join(''));
        files.push({ filename: `${n}.html`, bytes: Buffer.from(page) });
        break;
      }
      case 'docx': {
        const parts: DocxPart[] = [{ kind: 'title', text: title }, ...lines.map((text): DocxPart => ({ kind: 'paragraph', text })), { kind: 'table', rows: [['项目', '标准'], ['许可', '5万元']] }];
        files.push({ filename: `${n}.docx`, bytes: buildDocx({ parts }) });
        break;
      }
      case 'pdf': {
        const pages = [lines.slice(0, 15), lines.slice(15)].map((page) => page.map((l) => l.slice(0, 36)));
        files.push({ filename: `${n}.pdf`, bytes: await buildPdf({ title, pages }) });
        break;
      }
    }
  }
  return files;
}

async function timeRead(files: GeneratedFile[]): Promise<number> {
  const limits = extractLimits();
  // Each reader loads its library and tables on first use; that is start-up, not throughput.
  for (const file of files.slice(0, 5)) await extractDocument({ bytes: file.bytes, filename: file.filename, limits });
  const started = process.hrtime.bigint();
  for (const file of files) {
    const extracted = await extractDocument({ bytes: file.bytes, filename: file.filename, limits });
    prepareDocument({ text: extracted.text });
  }
  return Number(process.hrtime.bigint() - started) / 1e9;
}

export async function benchIngest(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const formats = ['txt (UTF-8)', 'txt (GBK)', 'md', 'html', 'docx', 'pdf'];
  const generated = new Map<string, GeneratedFile[]>();
  let baseline = 0;
  for (const format of formats) {
    const files = await generate(format);
    generated.set(format, files);
    const seconds = await timeRead(files);
    const perSecond = BATCH / seconds;
    if (format === 'txt (UTF-8)') baseline = perSecond;
    const kb = Math.round(files.reduce((sum, f) => sum + f.bytes.length, 0) / files.length / 102.4) / 10;
    rows.push({ name: `read + repair: ${format}`, n: BATCH, reqPerSec: perSecond, ratio: perSecond / baseline, note: `docs/s; ${kb} KB a file; nothing written` });
  }

  // The import proper, into a real SQLite store: plain JSONL lines vs document files through the same importer.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ingest-bench-'));
  const services = await openServices({ config: loadConfig({ DATA_DIR: dir, DEMO_DATA: '0', LOG_LEVEL: 'silent' }), logger: createLogger({ level: 'silent' }), syncSearch: false });
  try {
    const jsonl = Array.from({ length: BATCH }, (_v, i) => JSON.stringify({ id: `bench-jsonl-${i + 1}`, title: titleOf(i + 1), issuer: '上海市知识产权局', body: articles(i + 1).join('\n') }));
    let started = process.hrtime.bigint();
    const report = await services.importer.importLines({ lines: jsonl });
    const jsonlRate = report.imported / (Number(process.hrtime.bigint() - started) / 1e9);
    rows.push({ name: 'import: JSONL lines (plain text)', n: report.imported, reqPerSec: jsonlRate, ratio: 1, note: 'docs/s into SQLite, batches of 100' });
    const documents = new DocumentImportService({ importer: services.importer, textHygiene: services.textHygiene, limits: extractLimits() });
    for (const format of ['txt (GBK)', 'html', 'docx', 'pdf']) {
      const files = generated.get(format) ?? [];
      let imported = 0;
      started = process.hrtime.bigint();
      for (const file of files) {
        const result = await documents.importFile({ bytes: file.bytes, filename: file.filename, defaults: { issuer: '上海市知识产权局' } });
        if (result.status === 'imported') imported += 1;
      }
      const rate = imported / (Number(process.hrtime.bigint() - started) / 1e9);
      rows.push({ name: `import: ${format} → draft`, n: imported, reqPerSec: rate, ratio: rate / jsonlRate, note: 'docs/s into SQLite, one transaction a file' });
    }
  } finally {
    await closeServices(services);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  printTable(await benchIngest());
}
