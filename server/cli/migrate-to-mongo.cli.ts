import fs from 'node:fs';
import path from 'node:path';
import { createStoreExport, createStoreImport } from '../adapters/adapter-factory.js';
import { redact } from '../adapters/mongodb/mongo.store.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { closeServices, openServices } from '../platform.js';
import { STORE_ENTITIES, type StoreEntity, type StoreExportReader, type StoreImport } from '../ports/store-transfer.port.js';
import { createProgressBar } from './progress-bar.js';

/**
 * `npm run migrate:mongo`: copies an embedded installation (DATA_DIR/platform.sqlite and
 * DATA_DIR/media) into MongoDB, verifies the counts per collection and rebuilds the configured
 * search index from the copy.
 *
 * Both ends are ports: the embedded store reads its entities out as records and the MongoDB
 * store writes them in (store-transfer.port.ts); this command only moves batches and counts.
 * The copy reads one SQLite snapshot (a running platform may go on writing; those later writes are
 * not copied) and writes every document as an upsert on its key, so running it again converges:
 * copy once while the platform runs, stop it, copy again, then start on MongoDB.
 *
 *   MONGODB_URL=mongodb://db:27017/policy_push?replicaSet=rs0 DATA_DIR=./data npm run migrate:mongo
 *   options: --media-target <dir>   copy DATA_DIR/media there (the volume the new deployment mounts)
 *            --skip-search          do not rebuild the search index
 */

interface Args {
  mediaTarget: string | null;
  skipSearch: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { mediaTarget: null, skipSearch: false };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--skip-search') args.skipSearch = true;
    else if (arg === '--media-target') {
      const value = argv[i + 1];
      if (!value) throw new Error('--media-target 需要一个目录');
      args.mediaTarget = path.resolve(value);
      i += 1;
    } else throw new Error(`未知参数 ${arg}（可用：--media-target <目录>、--skip-search）`);
  }
  return args;
}

const BATCH = 1000;

async function copyEntity({ reader, target, entity }: { reader: StoreExportReader; target: StoreImport; entity: StoreEntity }): Promise<number> {
  const total = await reader.count(entity);
  const bar = createProgressBar({ label: entity });
  let done = 0;
  for await (const records of reader.records({ entity, batchSize: BATCH })) {
    await target.write({ entity, records });
    done += records.length;
    bar.update({ done, total });
  }
  bar.finish({ done, total });
  return done;
}

/** Media files are content-addressed: a file that exists with the same size is the same file. */
async function copyMedia({ source, target }: { source: string; target: string }): Promise<{ files: number; copied: number }> {
  let files = 0;
  let copied = 0;
  const bar = createProgressBar({ label: `media → ${target}` });
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await fs.promises.readdir(dir, { withFileTypes: true })) {
      const from = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        await walk(from);
        continue;
      }
      // Half-written files of a running platform end in .tmp and are renamed when complete.
      if (!entry.isFile() || entry.name.endsWith('.tmp')) continue;
      files += 1;
      const to = path.join(target, path.relative(source, from));
      const existing = await fs.promises.stat(to).catch(() => null);
      if (!existing || existing.size !== (await fs.promises.stat(from)).size) {
        await fs.promises.mkdir(path.dirname(to), { recursive: true });
        await fs.promises.copyFile(from, `${to}.migrate.tmp`);
        await fs.promises.rename(`${to}.migrate.tmp`, to);
        copied += 1;
      }
      bar.update({ done: files, total: null, extra: `${copied} copied` });
    }
  };
  if (fs.existsSync(source)) await walk(source);
  bar.finish({ done: files, total: files, extra: `${copied} copied` });
  return { files, copied };
}

async function countFiles(dir: string): Promise<number> {
  if (!fs.existsSync(dir)) return 0;
  let count = 0;
  for (const entry of await fs.promises.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && !entry.name.endsWith('.tmp')) count += 1;
  }
  return count;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = loadConfig();
  if (!config.MONGODB_URL) throw new Error('请设置 MONGODB_URL（目标 MongoDB 副本集），例如 mongodb://db:27017/policy_push?replicaSet=rs0');
  const out = process.stdout;
  const source = createStoreExport({ config });
  const target = await createStoreImport({ url: config.MONGODB_URL });
  const verification: { what: string; source: number; target: number }[] = [];
  try {
    out.write(`源：${path.join(config.dataDir, 'platform.sqlite')}\n目标：${redact(config.MONGODB_URL)}\n`);
    await target.prepare();
    await source.snapshot(async (reader) => {
      for (const entity of STORE_ENTITIES) await copyEntity({ reader, target, entity });
      await target.raiseCounters(await reader.counters());
      for (const entity of STORE_ENTITIES) verification.push({ what: entity, source: await reader.count(entity), target: await target.count(entity) });
    });
    const mediaSource = path.join(config.dataDir, 'media');
    if (args.mediaTarget && path.resolve(args.mediaTarget) !== path.resolve(mediaSource)) {
      await copyMedia({ source: mediaSource, target: args.mediaTarget });
      verification.push({ what: `media files → ${args.mediaTarget}`, source: await countFiles(mediaSource), target: await countFiles(args.mediaTarget) });
    } else {
      out.write(`媒体文件留在 ${mediaSource}（新部署挂载同一目录；或用 --media-target 复制到共享卷）\n`);
    }
  } finally {
    await source.close();
    await target.close();
  }

  out.write('\n核对（源 / 目标）：\n');
  const width = Math.max(...verification.map((v) => v.what.length));
  for (const v of verification) {
    out.write(`  ${v.what.padEnd(width)}  ${String(v.source).padStart(9)}  ${String(v.target).padStart(9)}  ${v.source === v.target ? 'OK' : '不一致'}\n`);
  }
  const mismatched = verification.filter((v) => v.source !== v.target);
  if (mismatched.length > 0) {
    // More in the target than in the source: rows deleted at the source since an earlier run.
    throw new Error(`${mismatched.length} 个集合数量不一致（目标多于源通常是两次运行之间源端删除了数据：清空目标库后重跑）`);
  }

  if (args.skipSearch) {
    out.write('已跳过检索索引重建（--skip-search）；上线前请运行 npm run reindex。\n');
    return;
  }
  // The search index is derived data: rebuild it from the copy through the configured SearchIndex.
  const services = await openServices({ config: { ...config, STORE: 'mongodb', DEMO_DATA: false }, logger: createLogger({ level: 'warn' }), syncSearch: false });
  try {
    const bar = createProgressBar({ label: `重建检索索引（${config.SEARCH}）` });
    const applied = await services.searchSync.rebuild({ onProgress: ({ done, total }) => bar.update({ done, total }) });
    bar.finish({ done: applied, total: applied });
    const faqs = await services.interpretation.faqSync.rebuild();
    const profiles = await services.audienceSync.rebuild();
    out.write(`检索索引：${await services.index.countPolicies()} 个公开文件，${await services.index.countFaqs()} 条常见问题，${profiles} 个订阅用户画像（FAQ 重放 ${faqs}）。\n`);
  } finally {
    await closeServices(services);
  }
  out.write('迁移完成。以 STORE=mongodb 启动平台即可。\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`迁移失败：${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
