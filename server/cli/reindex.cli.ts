import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { closeServices, openServices } from '../platform.js';
import { createProgressBar } from './progress-bar.js';

/** `npm run reindex`: rebuilds the search index from the store (the index is derived data). */
async function main(): Promise<void> {
  const config = loadConfig();
  const services = await openServices({ config, logger: createLogger({ level: 'warn' }) });
  try {
    const bar = createProgressBar({ label: '重建检索索引' });
    const total = await services.store.policies.count();
    const applied = await services.searchSync.rebuild({ onProgress: ({ done, total: seqTotal }) => bar.update({ done, total: seqTotal }) });
    bar.finish({ done: applied, total: applied });
    await services.interpretation.faqSync.rebuild();
    process.stdout.write(`重建完成：${total} 个政策中有 ${await services.index.countPolicies()} 个公开文件已编入索引。\n`);
    process.stdout.write(`常见问题索引：${await services.index.countFaqs()} 条。\n`);
  } finally {
    await closeServices(services);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`重建失败：${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
