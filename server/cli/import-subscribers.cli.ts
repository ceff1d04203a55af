import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { closeServices, openServices } from '../platform.js';
import { createProgressBar } from './progress-bar.js';
import { IMPORT_BATCH_SIZE } from '../services/subscriber-import.service.js';
import { DomainError } from '../errors.js';
import { decodeText } from '../ingest/decode.js';

/**
 * `npm run import:subscribers -- FILE.csv|FILE.jsonl [--park ID] [--from-line N] [--batch-size N]`:
 * enterprises in bulk with a per-row report. Rows are written in batches, one transaction each, so
 * the command can run beside a live server; if it stops, the report names the line to resume from.
 */
async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { park: { type: 'string' }, format: { type: 'string' }, 'from-line': { type: 'string' }, 'batch-size': { type: 'string' } },
  });
  const file = positionals[0];
  if (!file || !fs.existsSync(file)) {
    process.stderr.write(`用法：npm run import:subscribers -- 文件.csv|文件.jsonl [--park 园区编号] [--from-line 行号] [--batch-size 每批行数]${file ? `\n找不到文件：${file}` : ''}\n`);
    return 2;
  }
  const fromLine = positiveInteger(values['from-line'], 1);
  const batchSize = positiveInteger(values['batch-size'], IMPORT_BATCH_SIZE);
  if (fromLine === null || batchSize === null) {
    process.stderr.write('--from-line 和 --batch-size 必须是正整数\n');
    return 2;
  }
  const format = values.format === 'csv' || values.format === 'jsonl' ? values.format : file.toLowerCase().endsWith('.csv') ? 'csv' : 'jsonl';
  // Excel on Chinese Windows saves CSV as GBK: detect the encoding, and refuse (naming the line) what none decodes.
  let text: string;
  try {
    const decoded = decodeText({ bytes: fs.readFileSync(file) });
    text = decoded.text;
    process.stderr.write(`文件编码：${decoded.encoding.toUpperCase()}${decoded.bom ? '（带 BOM）' : ''}\n`);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    process.stdout.write(`${file}：[${error.code}] ${error.message}\n`);
    return 1;
  }
  const total = countRows({ text, format, fromLine });
  const services = await openServices({ config: loadConfig(), logger: createLogger({ level: 'warn' }), syncSearch: false });
  try {
    const bar = createProgressBar({ label: '导入企业' });
    const report = await services.subscriberImporter.importText({
      text,
      format,
      fromLine,
      batchSize,
      ...(values.park ? { parkId: values.park } : {}),
      // Called after each committed batch: the bar counts rows that are settled in the store.
      onProgress: ({ done, imported, failed, committedThroughLine }) =>
        bar.update({ done, total, extra: `成功 ${imported} · 失败 ${failed} · 已提交至第 ${committedThroughLine} 行` }),
    });
    const settled = report.imported + report.failed;
    bar.finish({ done: settled, total, extra: `成功 ${report.imported} · 失败 ${report.failed}` });
    process.stdout.write(`已导入 ${report.imported} 家，失败 ${report.failed} 行。\n`);
    for (const error of report.errors) {
      if (report.stopped && error.line === report.stopped.resumeFromLine && error.code === report.stopped.code) continue;
      process.stdout.write(`第 ${error.line} 行${error.name ? `（${error.name}）` : ''}：[${error.code}] ${error.message}\n`);
    }
    if (report.failed > 0) process.stdout.write('失败的行没有写入；修正后可只重新导入这些行（已导入的企业会因统一社会信用代码重复而被拒绝）。\n');
    if (report.stopped) {
      const { resumeFromLine, code, message } = report.stopped;
      process.stdout.write(
        `导入中断 [${code}]：${message}\n` +
          `第 ${fromLine}–${resumeFromLine - 1} 行已处理完毕（按批提交，每批全部写入或全部未写入）；第 ${resumeFromLine} 行及之后没有写入。\n` +
          `继续导入：npm run import:subscribers -- ${file} --from-line ${resumeFromLine}${values.park ? ` --park ${values.park}` : ''}\n`,
      );
      return 3;
    }
    return report.failed > 0 ? 1 : 0;
  } finally {
    await closeServices(services);
  }
}

function positiveInteger(value: string | undefined, fallback: number): number | null {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  return Number.isInteger(parsed) && parsed > 0 ? parsed : null;
}

/** Rows to import (for the bar): non-blank lines from `fromLine` on, less the CSV header. */
function countRows({ text, format, fromLine }: { text: string; format: 'csv' | 'jsonl'; fromLine: number }): number {
  const lines = text.split('\n');
  const header = format === 'csv' ? 1 : 0;
  return lines.filter((line, i) => i >= Math.max(fromLine - 1, header) && line.trim() !== '').length;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`导入失败：${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
