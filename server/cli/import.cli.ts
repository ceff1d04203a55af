import fs from 'node:fs';
import readline from 'node:readline';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { closeServices, openServices } from '../platform.js';
import { createProgressBar } from './progress-bar.js';

/** `npm run import -- FILE.jsonl`: bulk import through the API's validation, with a per-line report. */
async function main(): Promise<number> {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('用法：npm run import -- 文件.jsonl\n');
    return 2;
  }
  if (!fs.existsSync(file)) {
    process.stderr.write(`找不到文件：${file}\n`);
    return 2;
  }
  const config = loadConfig();
  const logger = createLogger({ level: 'warn' });
  const services = await openServices({ config, logger, syncSearch: false });
  try {
    const totalLines = countLines(file);
    const bar = createProgressBar({ label: '导入政策' });
    const lines = readline.createInterface({ input: fs.createReadStream(file, 'utf8'), crlfDelay: Infinity });
    const report = await services.importer.importLines({
      lines,
      onProgress: ({ line, imported, failed }) => bar.update({ done: line, total: totalLines, extra: `成功 ${imported} · 失败 ${failed}` }),
    });
    bar.finish({ done: totalLines, total: totalLines, extra: `成功 ${report.imported} · 失败 ${report.failed}` });
    process.stdout.write(`已导入 ${report.imported} 条，失败 ${report.failed} 条；运行中的服务会在几秒内把新文件编入检索索引。\n`);
    for (const error of report.errors) {
      process.stdout.write(`第 ${error.line} 行${error.id ? `（${error.id}）` : ''}：[${error.code}] ${error.message}\n`);
    }
    if (report.failed > 0) process.stdout.write('失败的行没有写入任何数据；修正后可只重新导入这些行。\n');
    return report.failed > 0 ? 1 : 0;
  } finally {
    await closeServices(services);
  }
}

function countLines(file: string): number {
  const text = fs.readFileSync(file, 'utf8');
  return text.split('\n').filter((line) => line.trim() !== '').length;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`导入失败：${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
