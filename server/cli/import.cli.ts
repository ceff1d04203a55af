import fs from 'node:fs';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { closeServices, openServices } from '../platform.js';
import { createProgressBar } from './progress-bar.js';
import { POLICY_IMPORT_BATCH_SIZE } from '../services/policy-import.service.js';

/**
 * `npm run import -- FILE.jsonl [--from-line N] [--batch-size N]`: bulk import through the API's
 * validation, with a per-line report. Lines are written in batches, one transaction each, so the
 * command can run beside a live server; if it stops, the report names the line to resume from.
 */
async function main(): Promise<number> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { 'from-line': { type: 'string' }, 'batch-size': { type: 'string' } } });
  const file = positionals[0];
  if (!file) {
    process.stderr.write('用法：npm run import -- 文件.jsonl [--from-line 行号] [--batch-size 每批行数]\n');
    return 2;
  }
  if (!fs.existsSync(file)) {
    process.stderr.write(`找不到文件：${file}\n`);
    return 2;
  }
  const fromLine = positiveInteger(values['from-line'], 1);
  const batchSize = positiveInteger(values['batch-size'], POLICY_IMPORT_BATCH_SIZE);
  if (fromLine === null || batchSize === null) {
    process.stderr.write('--from-line 和 --batch-size 必须是正整数\n');
    return 2;
  }
  const config = loadConfig();
  const logger = createLogger({ level: 'warn' });
  const services = await openServices({ config, logger, syncSearch: false });
  try {
    // Progress is counted in lines of the file, up to the last line of the last committed batch.
    const totalLines = Math.max(countLines(file) - (fromLine - 1), 0);
    const bar = createProgressBar({ label: '导入政策' });
    const lines = readline.createInterface({ input: fs.createReadStream(file, 'utf8'), crlfDelay: Infinity });
    let committedThrough = fromLine - 1;
    const report = await services.importer.importLines({
      lines,
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

function positiveInteger(value: string | undefined, fallback: number): number | null {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  return Number.isInteger(parsed) && parsed > 0 ? parsed : null;
}

/** Lines as readline numbers them (a final newline does not start another line). */
function countLines(file: string): number {
  const text = fs.readFileSync(file, 'utf8');
  if (text === '') return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`导入失败：${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
