import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { AnyBulkWriteOperation } from 'mongodb';
import type { Connection } from 'mongoose';
import { z } from 'zod';
import { MongoStore, redact } from '../adapters/mongodb/mongo.store.js';
import { COLLECTIONS } from '../adapters/mongodb/mongo.support.js';
import { MIGRATIONS } from '../adapters/sqlite/sqlite.migrations.js';
import { loadConfig, type Config } from '../config.js';
import { createLogger } from '../logger.js';
import { closeServices, openServices } from '../platform.js';
import { copiersFor, countersFor, type Copier, type CopyDoc } from './migrate-to-mongo.copiers.js';
import { createProgressBar } from './progress-bar.js';

/**
 * `npm run migrate:mongo`: copies an embedded installation (DATA_DIR/platform.sqlite and
 * DATA_DIR/media) into MongoDB, verifies the counts per collection and rebuilds the configured
 * search index from the copy.
 *
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

function openSource(config: Config): Database.Database {
  const file = path.join(config.dataDir, 'platform.sqlite');
  if (!fs.existsSync(file)) throw new Error(`找不到嵌入式数据库 ${file}：请把 DATA_DIR 指向原安装的数据目录`);
  const db = new Database(file, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  const applied = Number(db.prepare('SELECT MAX(version) FROM schema_migrations').pluck().get() ?? 0);
  const latest = Math.max(...MIGRATIONS.map((m) => m.version));
  if (applied !== latest) {
    db.close();
    throw new Error(`嵌入式数据库的结构版本为 ${applied}，本程序需要 ${latest}：请先用当前版本启动一次原平台完成升级`);
  }
  return db;
}

const BATCH = 1000;

async function copyTable({ db, connection, copier }: { db: Database.Database; connection: Connection; copier: Copier }): Promise<number> {
  const total = Number(db.prepare(`SELECT COUNT(*) FROM ${copier.table}`).pluck().get());
  const bar = createProgressBar({ label: `${copier.table} → ${copier.collection}` });
  const target = connection.collection<CopyDoc>(copier.collection);
  let done = 0;
  let ops: AnyBulkWriteOperation<CopyDoc>[] = [];
  const flush = async () => {
    if (ops.length === 0) return;
    // Unordered: one bad document is reported without stopping the batch; the rerun converges.
    await target.bulkWrite(ops, { ordered: false });
    done += ops.length;
    ops = [];
    bar.update({ done, total });
  };
  const rows = db.prepare(`SELECT * FROM ${copier.table}${copier.orderBy ? ` ORDER BY ${copier.orderBy}` : ''}`).iterate();
  for (const row of rows) {
    try {
      ops.push(copier.write(z.record(z.string(), z.unknown()).parse(row)));
    } catch (error) {
      throw new Error(`${copier.table} 第 ${done + ops.length + 1} 行无法转换：${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    if (ops.length >= BATCH) await flush();
  }
  await flush();
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
  const db = openSource(config);
  const store = new MongoStore({ url: config.MONGODB_URL });
  const verification: { what: string; source: number; target: number }[] = [];
  try {
    out.write(`源：${path.join(config.dataDir, 'platform.sqlite')}\n目标：${redact(config.MONGODB_URL)}\n`);
    await store.migrate();
    const connection = store.connectionForTools();
    const copiers = copiersFor(db);
    // One read transaction: every table comes from the same snapshot even while the platform writes.
    db.exec('BEGIN');
    try {
      for (const copier of copiers) await copyTable({ db, connection, copier });
      const counterCollection = connection.collection<{ _id: string; value: number }>(COLLECTIONS.counters);
      for (const { key, value } of countersFor(db)) await counterCollection.updateOne({ _id: key }, { $max: { value } }, { upsert: true });
      for (const copier of copiers) {
        verification.push({
          what: `${copier.table} → ${copier.collection}`,
          source: Number(db.prepare(`SELECT COUNT(*) FROM ${copier.table}`).pluck().get()),
          target: await connection.collection(copier.collection).countDocuments({}),
        });
      }
    } finally {
      db.exec('ROLLBACK');
    }
    const mediaSource = path.join(config.dataDir, 'media');
    if (args.mediaTarget && path.resolve(args.mediaTarget) !== path.resolve(mediaSource)) {
      await copyMedia({ source: mediaSource, target: args.mediaTarget });
      verification.push({ what: `media files → ${args.mediaTarget}`, source: await countFiles(mediaSource), target: await countFiles(args.mediaTarget) });
    } else {
      out.write(`媒体文件留在 ${mediaSource}（新部署挂载同一目录；或用 --media-target 复制到共享卷）\n`);
    }
  } finally {
    db.close();
    await store.close();
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
