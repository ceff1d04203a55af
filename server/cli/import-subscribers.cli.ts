import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { closeServices, openServices } from '../platform.js';
import { createProgressBar } from './progress-bar.js';

/** `npm run import:subscribers -- FILE.csv|FILE.jsonl [--park ID]`: enterprises in bulk with a per-row report. */
async function main(): Promise<number> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { park: { type: 'string' }, format: { type: 'string' } } });
  const file = positionals[0];
  if (!file || !fs.existsSync(file)) {
    process.stderr.write(`用法：npm run import:subscribers -- 文件.csv|文件.jsonl [--park 园区编号]${file ? `\n找不到文件：${file}` : ''}\n`);
    return 2;
  }
  const format = values.format === 'csv' || values.format === 'jsonl' ? values.format : file.toLowerCase().endsWith('.csv') ? 'csv' : 'jsonl';
  const text = fs.readFileSync(file, 'utf8');
  const total = Math.max(text.split('\n').filter((l) => l.trim() !== '').length - (format === 'csv' ? 1 : 0), 0);
  const services = await openServices({ config: loadConfig(), logger: createLogger({ level: 'warn' }), syncSearch: false });
  try {
    const bar = createProgressBar({ label: '导入企业' });
    const report = await services.subscriberImporter.importText({
      text,
      format,
      ...(values.park ? { parkId: values.park } : {}),
      onProgress: ({ done, imported, failed }) => bar.update({ done, total, extra: `成功 ${imported} · 失败 ${failed}` }),
    });
    bar.finish({ done: report.imported + report.failed, total, extra: `成功 ${report.imported} · 失败 ${report.failed}` });
    process.stdout.write(`已导入 ${report.imported} 家，失败 ${report.failed} 行。\n`);
    for (const error of report.errors) {
      process.stdout.write(`第 ${error.line} 行${error.name ? `（${error.name}）` : ''}：[${error.code}] ${error.message}\n`);
    }
    if (report.failed > 0) process.stdout.write('失败的行没有写入；修正后可只重新导入这些行（已导入的企业会因统一社会信用代码重复而被拒绝）。\n');
    return report.failed > 0 ? 1 : 0;
  } finally {
    await closeServices(services);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`导入失败：${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
