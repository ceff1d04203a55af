/**
 * Run as a child process by `test/integration/lazy-libraries.test.ts`: starts the web role on the
 * embedded default (SQLite store, embedded search) and prints which heavy libraries it has loaded;
 * then reads a Word file and a web page and builds a workbook, and prints them again. Packages
 * loaded through `require` (all of these load CommonJS files) are the keys of `require.cache`.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { buildDocx } from './ingest-fixtures.js';

const HEAVY = ['mongoose', 'mongodb', '@elastic/elasticsearch', 'exceljs', 'cheerio', 'mammoth'] as const;
const cache = createRequire(import.meta.url).cache;

function loaded(): string[] {
  const files = Object.keys(cache);
  return HEAVY.filter((name) => files.some((file) => file.includes(`${path.sep}node_modules${path.sep}${name}${path.sep}`)));
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'library-probe-'));
const { loadConfig } = await import('../../server/config.js');
const { createLogger } = await import('../../server/logger.js');
const { startPlatform } = await import('../../server/platform.js');
const config = loadConfig({ DATA_DIR: dir, DEMO_DATA: '0', LOG_LEVEL: 'silent', PORT: '0', HOST: '127.0.0.1', ROLES: 'web' });
const platform = await startPlatform({ config, logger: createLogger({ level: 'silent' }), indexCatchUp: 'before_return' });
const atStart = loaded();

const { extractDocument, extractLimits } = await import('../../server/ingest/extract-document.js');
const { reportWorkbook } = await import('../../server/open-government/annual-report/annual-report.service.js');
const limits = extractLimits();
await extractDocument({ bytes: buildDocx({ parts: [{ kind: 'paragraph', text: '关于印发《专利资助办法》的通知。' }] }), filename: 'a.docx', limits });
await extractDocument({ bytes: Buffer.from('<html><body><p>关于印发《专利资助办法》的通知。</p></body></html>'), filename: 'a.html', limits });
await reportWorkbook({ year: 2025, generatedAt: new Date().toISOString(), tables: [] });
const afterUse = loaded();

await platform.close();
fs.rmSync(dir, { recursive: true, force: true });
process.stdout.write(JSON.stringify({ atStart, afterUse }));
