/**
 * The real platform for the HTTP benchmark, in two phases run as two child processes so the
 * server's memory and CPU figures are the server's alone:
 * - `BENCH_PHASE=seed` fills DATA_DIR: synthetic policies straight into the search index (the
 *   search endpoint only reads the index, and importing 10,000 policies through the store and the
 *   workflow would measure the importer), their tags into the taxonomy, and 300 policies through the
 *   store for the policy page. It reports what it wrote and exits.
 * - `BENCH_PHASE=serve` starts the platform on that directory as a deployment starts on a data
 *   directory with a built index, and reports its address once the index has caught up.
 * The parent runs the compiled file (`dist/bench/support/bench-server.js`) with plain `node`, as
 * production runs `dist/server/main.js`: a TypeScript loader keeps every source map in memory.
 *
 * The parent can resize the index's result cache (0 turns it off) to measure uncached requests;
 * the child answers once the new size applies, so no measured request runs under the old one.
 *
 * Alone (`node dist/bench/support/bench-server.js` with DATA_DIR set, no BENCH_PHASE) it seeds,
 * prints its address and serves until interrupted.
 */
import type { DimensionId } from '../../schemas/taxonomy.schema.js';
import { ThreadedSearchIndex } from '../../server/adapters/embedded-search/embedded-thread.search-index.js';
import { loadConfig } from '../../server/config.js';
import { applyHeapPolicy } from '../../server/heap-policy.js';
import { createLogger } from '../../server/logger.js';
import { closeServices, openServices, startPlatform, type Services } from '../../server/platform.js';
import type { PolicySearchDoc } from '../../server/ports/search-index.port.js';
import { SYSTEM_IMPORTER } from '../../server/services/actor.js';
import { corpusPolicies, syntheticPolicies } from './policy-corpus.js';

const BATCH_SIZE = 500;
/** Policies imported through the store, so the policy page has real records to show. */
const PAGE_POLICIES = 300;

/** Published 主动公开 policies from the same generator, as import lines, for the policy page. */
function pageImportLines(): { lines: string[]; ids: string[] } {
  const policies = corpusPolicies({ count: PAGE_POLICIES, seed: 7 }).map((policy, i) => ({ ...policy, id: `page-${String(i).padStart(4, '0')}` }));
  const lines = policies.map((policy) =>
    JSON.stringify({
      id: policy.id,
      docNumber: policy.docNumber,
      title: policy.title,
      issuer: policy.issuer,
      level: null,
      issuedAt: policy.issuedAt,
      effectiveAt: policy.issuedAt,
      expiresAt: null,
      disclosure: 'public',
      body: policy.body,
      criteria: {},
      tags: [],
      applicationWindow: null,
      predecessorId: null,
      state: 'published',
      publishedAt: `${policy.issuedAt ?? '2024-01-01'}T09:00:00+08:00`,
    }),
  );
  return { lines, ids: policies.map((policy) => policy.id) };
}

export type TagsByDimension = Partial<Record<DimensionId, string[]>>;

export type ParentMessage = { type: 'stop' } | { type: 'result-cache'; size: number };
export interface Seeded {
  tags: TagsByDimension;
  /** Policy ids in the store, for the policy page. */
  pages: string[];
  seedMs: number;
}
export type ChildMessage =
  | ({ type: 'seeded' } & Seeded)
  | { type: 'ready'; url: string; policies: number; loadMs: number }
  | { type: 'failed'; message: string }
  /** `applied` is false when the configured index has no result cache to resize. */
  | { type: 'result-cache'; size: number; applied: boolean };

function tagsOf(docs: PolicySearchDoc[]): TagsByDimension {
  const byDimension = new Map<DimensionId, Set<string>>();
  for (const doc of docs) {
    for (const [dimension, ids] of Object.entries(doc.tagsByDimension) as [DimensionId, string[]][]) {
      const known = byDimension.get(dimension) ?? new Set<string>();
      for (const id of ids) known.add(id);
      byDimension.set(dimension, known);
    }
  }
  const tags: TagsByDimension = {};
  for (const [dimension, ids] of byDimension) tags[dimension] = [...ids].sort();
  return tags;
}

/**
 * The search endpoint rejects tag filters the taxonomy does not know, so the synthetic tags must
 * exist. They are created flat: documents already carry expanded ancestors, which is all a filter
 * or a facet reads, and the hierarchy only matters when the sync service builds documents.
 */
async function registerTags({ services, tags }: { services: Services; tags: TagsByDimension }): Promise<void> {
  for (const [dimension, ids] of Object.entries(tags) as [DimensionId, string[]][]) {
    for (const id of ids) await services.taxonomy.createTag({ actor: SYSTEM_IMPORTER, body: { id, dimension, label: id, synonyms: [], parent: null } });
  }
}

async function seed(): Promise<Seeded> {
  const config = loadConfig(process.env);
  const logger = createLogger({ level: 'silent' });
  const count = Number(process.env.BENCH_POLICIES ?? 10_000);
  const started = performance.now();
  const docs = syntheticPolicies({ count });
  const tags = tagsOf(docs);
  const pages = pageImportLines();
  const services = await openServices({ config, logger });
  try {
    await registerTags({ services, tags });
    for (let at = 0; at < docs.length; at += BATCH_SIZE) await services.index.upsertPolicies(docs.slice(at, at + BATCH_SIZE));
    const report = await services.importer.importLines({ lines: pages.lines });
    if (report.failed > 0) throw new Error(`page policies not imported: ${JSON.stringify(report.errors.slice(0, 3))}`);
  } finally {
    await closeServices(services);
  }
  return { tags, pages: pages.ids, seedMs: performance.now() - started };
}

/** As `server/main.ts` starts a deployment. */
async function serve(): Promise<void> {
  applyHeapPolicy();
  const config = loadConfig(process.env);
  const logger = createLogger({ level: 'silent' });
  const started = performance.now();
  const platform = await startPlatform({ config, logger });
  // The server listens at once; the measured runs start once the index has caught up and the word index is complete.
  while (platform.services.indexCatchUp.catchingUp) await new Promise((resolve) => setTimeout(resolve, 50));
  if (platform.services.index instanceof ThreadedSearchIndex) await platform.services.index.wordIndexReady();
  if (!platform.url) throw new Error('ROLES must include web for the HTTP benchmark');
  const ready: ChildMessage = { type: 'ready', url: platform.url, policies: await platform.services.index.countPolicies(), loadMs: performance.now() - started };

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await platform.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());

  if (!process.send) {
    process.stdout.write(`${ready.url} (${ready.policies} policies, ready in ${(ready.loadMs / 1000).toFixed(1)} s)\n`);
    return;
  }
  const send = process.send.bind(process);
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'stop') void stop();
    if (message.type === 'result-cache') {
      const { index } = platform.services;
      const applied = index instanceof ThreadedSearchIndex;
      if (applied) index.setResultCacheSize(message.size);
      const reply: ChildMessage = { type: 'result-cache', size: message.size, applied };
      send(reply);
    }
  });
  // A parent that dies without saying goodbye must not leave a server behind.
  process.on('disconnect', () => void stop());
  send(ready);
}

async function main(): Promise<void> {
  const phase = process.env.BENCH_PHASE;
  if (phase === 'serve') return serve();
  const seeded = await seed();
  if (phase !== 'seed') return serve();
  const message: ChildMessage = { type: 'seeded', ...seeded };
  await new Promise<void>((resolve, reject) => {
    if (!process.send) return reject(new Error('BENCH_PHASE=seed reports to a parent process'));
    process.send(message, (error: Error | null) => (error ? reject(error) : resolve()));
  });
  process.exit(0);
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  const failed: ChildMessage = { type: 'failed', message };
  if (process.send) process.send(failed, () => process.exit(1));
  else {
    process.stderr.write(`${message}\n`);
    process.exit(1);
  }
});
