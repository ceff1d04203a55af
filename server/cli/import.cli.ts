import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { DomainError } from '../errors.js';
import { decodeText } from '../ingest/decode.js';
import { extractLimits } from '../ingest/extract-document.js';
import { createLogger } from '../logger.js';
import { closeServices, openServices } from '../platform.js';
import { createProgressBar } from './progress-bar.js';
import { POLICY_IMPORT_BATCH_SIZE } from '../services/policy-import.service.js';
import { DocumentImportService, type FileImportResult } from '../services/document-import.service.js';

const USAGE =
  '用法：npm run import -- 文件或文件夹 [--issuer 发文机关] [--from-line 行号] [--batch-size 每批行数]\n' +
  '  可导入 .jsonl（批量政策）以及 .docx、.pdf、.html、.txt、.md、.csv 文件（每份建为一份草稿）；\n' +
  '  文本文件的编码（UTF-8、GB18030/GBK、Big5）自动识别。--from-line 只用于单个 .jsonl 文件。\n';

/**
 * `npm run import -- FILE.jsonl [--from-line N] [--batch-size N]`: bulk import through the API's
 * validation, with a per-line report. Lines are written in batches, one transaction each, so the
 * command can run beside a live server; if it stops, the report names the line to resume from.
 *
 * `npm run import -- FOLDER|FILE [--issuer 发文机关]`: a back catalogue of mixed files, each read by
 * its format's reader and written whole or not at all, with a progress bar and a per-file report.
 */
async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { 'from-line': { type: 'string' }, 'batch-size': { type: 'string' }, issuer: { type: 'string' } },
  });
  const target = positionals[0];
  if (!target) {
    process.stderr.write(USAGE);
    return 2;
  }
  if (!fs.existsSync(target)) {
    process.stderr.write(`找不到文件：${target}\n`);
    return 2;
  }
  const fromLine = positiveInteger(values['from-line'], 1);
  const batchSize = positiveInteger(values['batch-size'], POLICY_IMPORT_BATCH_SIZE);
  if (fromLine === null || batchSize === null) {
    process.stderr.write('--from-line 和 --batch-size 必须是正整数\n');
    return 2;
  }
  const single = fs.statSync(target).isFile();
  if (single && target.toLowerCase().endsWith('.jsonl')) return importJsonl({ file: target, fromLine, batchSize });
  if (values['from-line'] !== undefined) {
    process.stderr.write('--from-line 只用于单个 .jsonl 文件\n');
    return 2;
  }
  return importFiles({ files: single ? [target] : listFiles(target), root: single ? path.dirname(target) : target, issuer: values.issuer?.trim() || undefined });
}

async function importJsonl({ file, fromLine, batchSize }: { file: string; fromLine: number; batchSize: number }): Promise<number> {
  // Decoded whole and strictly: a GBK file is read as GBK, a BOM does not break line 1, a bad byte is refused with its line.
  let text: string;
  try {
    const decoded = decodeText({ bytes: fs.readFileSync(file) });
    text = decoded.text.replace(/\r\n?/g, '\n');
    if (decoded.encoding !== 'utf-8' || decoded.bom) process.stderr.write(`文件编码：${decoded.encoding.toUpperCase()}${decoded.bom ? '（带 BOM）' : ''}\n`);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    process.stdout.write(`${file}：[${error.code}] ${error.message}\n`);
    return 1;
  }
  const config = loadConfig();
  const logger = createLogger({ level: 'warn' });
  const services = await openServices({ config, logger, syncSearch: false });
  try {
    const all = text === '' ? [] : text.split('\n');
    if (text.endsWith('\n')) all.pop();
    // Progress is counted in lines of the file, up to the last line of the last committed batch.
    const totalLines = Math.max(all.length - (fromLine - 1), 0);
    const bar = createProgressBar({ label: '导入政策' });
    let committedThrough = fromLine - 1;
    const report = await services.importer.importLines({
      lines: all,
      fromLine,
      batchSize,
      onProgress: ({ line, imported, failed }) => {
        committedThrough = line;
        bar.update({ done: line - (fromLine - 1), total: totalLines, extra: `成功 ${imported} · 失败 ${failed}` });
      },
    });
    bar.finish({ done: report.stopped ? committedThrough - (fromLine - 1) : totalLines, total: totalLines, extra: `成功 ${report.imported} · 失败 ${report.failed}` });
    process.stdout.write(`已导入 ${report.imported} 条，失败 ${report.failed} 条；运行中的服务会在几秒内把新文件编入检索索引。\n`);
    for (const error of report.errors) {
      process.stdout.write(`第 ${error.line} 行${error.id ? `（${error.id}）` : ''}：[${error.code}] ${error.message}\n`);
    }
    if (report.failed > 0) process.stdout.write('失败的行没有写入任何数据；修正后可只重新导入这些行。\n');
    if (report.stopped) {
      const { resumeFromLine, code, message } = report.stopped;
      process.stdout.write(
        `导入中断 [${code}]：${message}\n` +
          `第 ${fromLine}–${resumeFromLine - 1} 行已处理完毕（按批提交，每批全部写入或全部未写入）；第 ${resumeFromLine} 行及之后没有写入。\n` +
          `继续导入：npm run import -- ${file} --from-line ${resumeFromLine}\n`,
      );
      return 3;
    }
    return report.failed > 0 ? 1 : 0;
  } finally {
    await closeServices(services);
  }
}

/** Every file under a folder, in a stable order; hidden files (`.DS_Store`, `~$` Word locks) are not documents. */
function listFiles(folder: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name.startsWith('.') || entry.name.startsWith('~$')) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) out.push(full);
    }
  };
  walk(folder);
  return out;
}

function describe(result: FileImportResult): string {
  if (result.status === 'refused') return `✗ 拒绝 [${result.code}]${result.line ? `（第 ${result.line} 行）` : ''} ${result.message}`;
  const encoding = result.encoding.toUpperCase();
  if (result.format === 'jsonl') return `${result.failed > 0 ? '✗' : '✓'} JSONL · ${encoding} · 导入 ${result.imported} 条${result.failed > 0 ? `，失败 ${result.failed} 条` : ''}`;
  return `✓ ${result.format.toUpperCase()} · ${encoding} · 修复 ${result.repairs} 处 · 可疑行 ${result.suspects} 行 · 提示 ${result.warnings} 条 → 草稿 ${result.policyId}`;
}

async function importFiles({ files, root, issuer }: { files: string[]; root: string; issuer: string | undefined }): Promise<number> {
  const config = loadConfig();
  const services = await openServices({ config, logger: createLogger({ level: 'warn' }), syncSearch: false });
  try {
    const documents = new DocumentImportService({ importer: services.importer, textHygiene: services.textHygiene, limits: extractLimits({ maxBytes: config.INGEST_MAX_BYTES }) });
    const bar = createProgressBar({ label: '导入文件' });
    const lines: string[] = [];
    let ok = 0;
    let refused = 0;
    for (const [index, file] of files.entries()) {
      const name = path.relative(root, file) || path.basename(file);
      const size = fs.statSync(file).size;
      // A file over the limit is refused from its size, before it is read into memory.
      const result: FileImportResult =
        size > config.INGEST_MAX_BYTES && !file.toLowerCase().endsWith('.jsonl')
          ? { status: 'refused', code: 'document_too_large', message: `文件过大（${Math.round(size / 1024 / 102.4) / 10} MB），上限为 ${Math.round(config.INGEST_MAX_BYTES / 1024 / 102.4) / 10} MB`, line: null, errors: [] }
          : await documents.importFile({ bytes: fs.readFileSync(file), filename: file, defaults: issuer ? { issuer } : {} });
      const bad = result.status === 'refused' || result.failed > 0;
      if (bad) refused += 1;
      else ok += 1;
      lines.push(`${name}：${describe(result)}`);
      for (const error of result.errors) lines.push(`    第 ${error.line} 行${error.id ? `（${error.id}）` : ''}：[${error.code}] ${error.message}`);
      bar.update({ done: index + 1, total: files.length, extra: `成功 ${ok} · 拒绝 ${refused}` });
    }
    bar.finish({ done: files.length, total: files.length, extra: `成功 ${ok} · 拒绝 ${refused}` });
    for (const line of lines) process.stdout.write(`${line}\n`);
    process.stdout.write(`共 ${files.length} 个文件：成功 ${ok} 个，拒绝或部分失败 ${refused} 个。被拒绝的文件没有写入任何内容；文件建为草稿，请起草人核对可疑行后送审。\n`);
    return refused > 0 ? 1 : 0;
  } finally {
    await closeServices(services);
  }
}

function positiveInteger(value: string | undefined, fallback: number): number | null {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  return Number.isInteger(parsed) && parsed > 0 ? parsed : null;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`导入失败：${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
