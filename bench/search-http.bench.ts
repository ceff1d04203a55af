/**
 * HTTP throughput of search and the policy page against the trivial `/healthz`, on the real
 * platform with the realistic 10,000-policy library (`support/policy-corpus.ts`) in its index and
 * 300 of its policies in the store. The server runs in a child process so the load generator and
 * the server do not take turns on one event loop.
 * Targets (issue 15): computed search ≥ 0.25× with p99 ≤ 100 ms at 32 clients; with tag filters
 * ≥ 0.3×; cached ≥ 0.8×; policy page ≥ 0.3×; /healthz p99 ≤ 50 ms during heavy search; peak RSS
 * ≤ 1 GB.
 *
 * The loads run in rounds, `/healthz` in every round, and each ratio is the median of its rounds'
 * ratios to the `/healthz` of the same round (`support/paired-rounds.ts` says why).
 *
 * The index keeps a result cache, and the cached load cycles through 48 URLs each asked once before
 * it, so every timed request is a hit. The computed loads run with the cache off (size 0), to show
 * what answering a search costs.
 *
 * The computed rows are then measured once more against a web process alone on the same directory
 * (`ROLES=web`, the split deployment's public-facing process), for comparison; the targets are
 * read on the combined process, which is what the quick start runs.
 *
 * Run alone with `npx tsx bench/search-http.bench.ts`.
 */
import { type ChildProcess, fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { DimensionId } from '../schemas/taxonomy.schema.js';
import { type BenchRow, printTable } from './bench-table.js';
import type { ChildMessage, ParentMessage, TagsByDimension } from './support/bench-server.js';
import { CORPUS_KEYWORDS } from './support/policy-corpus.js';
import { DEFAULT_RESULT_CACHE_SIZE } from '../server/adapters/embedded-search/embedded.result-cache.js';
import { checkPaths, cpuSeconds, type LoadOptions, type LoadTarget, percentile, procMemoryMb, runLoad } from './support/http-load.js';
import { type LoadSample, type RoundsSummary, roundOrder, summariseRounds } from './support/paired-rounds.js';

const POLICY_COUNT = 10_000;
/**
 * Even, so as many rounds run the loads forwards as backwards. Short loads and many rounds: this
 * machine's speed moves by half within seconds at times, and a median over more rounds holds
 * better than a longer load.
 */
const ROUNDS = 8;
/** One load of a round. With the server settled first, half a second is enough for 32 new connections. */
const ROUND_LOAD: LoadOptions = { concurrency: 32, warmUpMs: 500, durationMs: 2_500 };
/**
 * Before the rounds, untimed. A freshly started server answers computed searches at about 700/s in
 * its first second under load and climbs to about 1,000/s over the next ten as the process warms
 * up; the rounds time the server a busy office has had up for days, not that climb.
 */
const SETTLE: LoadOptions = { concurrency: 32, warmUpMs: 0, durationMs: 15_000 };
/** The computed load `/healthz` is timed against, one request at a time. */
const UNDER_LOAD: LoadOptions = { concurrency: 32, warmUpMs: 5_000, durationMs: 5_000 };
const TARGETS = { computed: 0.25, filtered: 0.3, cached: 0.8, page: 0.3, computedP99Ms: 100, healthzP99Ms: 50, peakRssMb: 1024 } as const;
// Generating and indexing 10,000 realistic policies takes minutes on a busy machine.
const SERVER_START_TIMEOUT_MS = 900_000;
/** The compiled server child: production runs compiled JavaScript, without a loader holding source maps. */
const SERVER_ENTRY = fileURLToPath(new URL('../dist/bench/support/bench-server.js', import.meta.url));

// ---------------------------------------------------------------------------------------------
// The server child

/**
 * `web,workers` is the quick start's one process; `web` alone is the public-facing process of the
 * split deployment (operations.md, "Several processes on one data folder"), without the workers'
 * WeChat bot and queues on its heap and event loop.
 */
type Roles = 'web,workers' | 'web';

interface BenchServer {
  child: ChildProcess;
  host: string;
  port: number;
  policies: number;
  /** Seeding, in its own process. */
  seedMs: number;
  /** From starting the server process to ready, index caught up. */
  loadMs: number;
  tags: TagsByDimension;
  /** Policy ids in the store, for the policy page. */
  pages: string[];
}

/** Settings a developer's shell or .env might carry are overridden so every run measures the same setup. */
function serverEnv({ dataDir, phase, roles }: { dataDir: string; phase: 'seed' | 'serve'; roles: Roles }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.ADMIN_TOKEN;
  delete env.MONGODB_URL;
  delete env.ELASTICSEARCH_URL;
  delete env.NODE_OPTIONS;
  return {
    ...env,
    BENCH_PHASE: phase,
    DATA_DIR: dataDir,
    DEMO_DATA: '0',
    PORT: '0',
    HOST: '127.0.0.1',
    ROLES: roles,
    STORE: 'sqlite',
    SEARCH: 'embedded',
    LOG_LEVEL: 'silent',
    BENCH_POLICIES: String(POLICY_COUNT),
  };
}

/** Forks a phase of the bench server (compiled, plain node, as in production) and waits for its first report. */
function runPhase({ dataDir, phase, roles = 'web,workers' }: { dataDir: string; phase: 'seed' | 'serve'; roles?: Roles }): Promise<{ child: ChildProcess; message: ChildMessage }> {
  if (!fs.existsSync(SERVER_ENTRY)) throw new Error(`${SERVER_ENTRY} is missing: run \`npm run build\` first (\`npm run bench\` does)`);
  const child = fork(SERVER_ENTRY, [], { env: serverEnv({ dataDir, phase, roles }), execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`bench server (${phase}) gave no answer after ${SERVER_START_TIMEOUT_MS / 1000} s`));
    }, SERVER_START_TIMEOUT_MS);
    const onExit = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`bench server (${phase}) exited with code ${code} before it answered`));
    };
    child.once('exit', onExit);
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'result-cache') return;
      clearTimeout(timer);
      child.off('exit', onExit);
      if (message.type === 'failed') reject(new Error(`bench server (${phase}) failed:\n${message.message}`));
      else resolve({ child, message });
    });
  });
}

async function startServer(dataDir: string): Promise<BenchServer> {
  const seeding = await runPhase({ dataDir, phase: 'seed' });
  if (seeding.message.type !== 'seeded') throw new Error(`bench server (seed) answered ${seeding.message.type}`);
  const seeded = seeding.message;
  await new Promise<void>((resolve) => (seeding.child.exitCode === null ? seeding.child.once('exit', () => resolve()) : resolve()));
  return { ...(await serveOn({ dataDir, roles: 'web,workers' })), seedMs: seeded.seedMs, tags: seeded.tags, pages: seeded.pages };
}

/** A serving process on the seeded directory, ready once its index has caught up. */
async function serveOn({ dataDir, roles }: { dataDir: string; roles: Roles }): Promise<Pick<BenchServer, 'child' | 'host' | 'port' | 'policies' | 'loadMs'>> {
  const serving = await runPhase({ dataDir, phase: 'serve', roles });
  if (serving.message.type !== 'ready') throw new Error(`bench server (serve) answered ${serving.message.type}`);
  const url = new URL(serving.message.url);
  return { child: serving.child, host: '127.0.0.1', port: Number(url.port), policies: serving.message.policies, loadMs: serving.message.loadMs };
}

/** Resolves once the child has applied the size, so every later request runs under it. */
async function setResultCache({ server, size }: { server: Pick<BenchServer, 'child'>; size: number }): Promise<void> {
  const { child } = server;
  await new Promise<void>((resolve, reject) => {
    const onMessage = (message: ChildMessage): void => {
      if (message.type !== 'result-cache' || message.size !== size) return;
      child.off('message', onMessage);
      if (message.applied) resolve();
      else reject(new Error('the bench server index has no result cache to resize'));
    };
    child.on('message', onMessage);
    const request: ParentMessage = { type: 'result-cache', size };
    child.send(request);
  });
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop: ParentMessage = { type: 'stop' };
  if (child.connected) child.send(stop);
  else child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

// ---------------------------------------------------------------------------------------------
// Requests, as the search page sends them: facets on, first page mostly.

const KEYWORDS = [
  '专利资助', '知识产权质押融资', '小巨人', '高新技术企业', '研发费用加计扣除', '数据知识产权', '地理标志', '首台套',
  '我们公司能申请专利资助吗', '關於申請專利資助的通知', 'PCT 国际专利申请', '申报材料 营业执照', '发明专利授权 五千元',
  '知识产权保险', '商业秘密', '揭榜挂帅',
];

/** Dimensions a user is most likely to narrow by. */
const FILTER_DIMENSIONS: readonly DimensionId[] = ['region', 'industry', 'need', 'qualification', 'size', 'ip_type'];

type Kind = 'keyword' | 'keyword + tag filter' | 'facets only';

function searchPath(params: Record<string, string>): string {
  return `/api/v1/policies?${new URLSearchParams(params).toString()}`;
}

function tagAt({ tags, dimension, at }: { tags: TagsByDimension; dimension: DimensionId; at: number }): string[] {
  const ids = tags[dimension] ?? [];
  const id = ids[at % Math.max(ids.length, 1)];
  return id === undefined ? [] : [id];
}

/** One or two tags from different dimensions, varying with `i` so the URLs cover the taxonomy. */
function tagFilter({ tags, i }: { tags: TagsByDimension; i: number }): string[] {
  const first = FILTER_DIMENSIONS[i % FILTER_DIMENSIONS.length] ?? 'region';
  const second = FILTER_DIMENSIONS[(i + 2) % FILTER_DIMENSIONS.length] ?? 'industry';
  return [...tagAt({ tags, dimension: first, at: i }), ...(i % 2 === 0 ? tagAt({ tags, dimension: second, at: i * 3 }) : [])];
}

function searchPathsByKind(tags: TagsByDimension): Record<Kind, string[]> {
  const paths: Record<Kind, string[]> = { keyword: [], 'keyword + tag filter': [], 'facets only': [] };
  KEYWORDS.forEach((q, i) => {
    const filter = tagFilter({ tags, i });
    paths.keyword.push(searchPath({ q, ...(i % 5 === 4 ? { page: '2' } : {}) }));
    paths['keyword + tag filter'].push(searchPath({ q, tags: filter.join(',') }));
    paths['facets only'].push(searchPath({ ...(i % 2 === 1 ? { tags: filter.slice(0, 1).join(',') } : {}), ...(i % 3 === 0 ? { validity: 'effective' } : {}) }));
  });
  return paths;
}

/** Kinds alternate, so any stretch of the run sees the same mix. */
function interleave(byKind: Record<Kind, string[]>): string[] {
  const lists = Object.values(byKind);
  const longest = Math.max(...lists.map((list) => list.length));
  return Array.from({ length: longest }, (_, i) => lists.flatMap((list) => list[i] ?? [])).flat();
}

// ---------------------------------------------------------------------------------------------
// Runs and rows

async function measure({ server, target, options }: { server: Pick<BenchServer, 'child'>; target: LoadTarget; options: LoadOptions }): Promise<LoadSample> {
  const pid = server.child.pid ?? -1;
  const cpuBefore = cpuSeconds(pid);
  const started = performance.now();
  const result = await runLoad({ target, options });
  const wallSeconds = (performance.now() - started) / 1000;
  const cpuAfter = cpuSeconds(pid);
  return {
    reqPerSec: result.reqPerSec,
    latenciesMs: result.latenciesMs,
    completedOverall: result.completedOverall,
    cpuSeconds: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore,
    wallSeconds,
    failures: result.failures,
    firstFailure: result.firstFailure,
  };
}

function latencyRow({ name, sorted }: { name: string; sorted: readonly number[] }): BenchRow {
  return { name, p50Ms: percentile({ sorted, fraction: 0.5 }), p99Ms: percentile({ sorted, fraction: 0.99 }), n: sorted.length };
}

function range(values: readonly number[], digits: number): string {
  return `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;
}

function note(summary: RoundsSummary): string {
  const parts = [`${ROUNDS} rounds of ${ROUND_LOAD.concurrency} in flight, ${ROUND_LOAD.durationMs / 1000} s after ${ROUND_LOAD.warmUpMs / 1000} s warm-up`];
  if (summary.cpuMsPerRequest !== null && summary.busy !== null) parts.push(`server CPU ${summary.cpuMsPerRequest.toFixed(2)} ms/req (${Math.round(summary.busy * 100)}% of one core)`);
  if (summary.failures > 0) parts.push(`${summary.failures} failed, first: ${summary.firstFailure}`);
  return parts.join('; ');
}

/** Distinct computed searches: every keyword on three pages, with and without a validity filter. */
function computedPaths(): string[] {
  return CORPUS_KEYWORDS.flatMap((q) =>
    ['1', '2', '3'].flatMap((page) => [searchPath({ q, page }), searchPath({ q, page, validity: 'effective' })]),
  );
}

function filteredPaths(tags: TagsByDimension): string[] {
  return CORPUS_KEYWORDS.flatMap((q, i) => [searchPath({ q, tags: tagFilter({ tags, i }).join(',') }), searchPath({ q, tags: tagFilter({ tags, i: i + 7 }).join(',') })]);
}

function verdict({ met, target }: { met: boolean; target: string }): string {
  return `target ${target}: ${met ? 'met' : 'NOT met'}`;
}

/** One load of a round, and the result cache it needs. */
interface RoundLoad<K extends string> {
  key: K;
  target: LoadTarget;
  /** `filled`: the result cache on and every URL of the load asked once before it; `off`: size 0. */
  resultCache?: 'filled' | 'off';
}

/**
 * Every load once per round, the order reversed every other round; the result cache set as each
 * load needs it (turning it off empties it, so the cached load refills it each round, untimed).
 */
async function runRounds<K extends string>({ server, loads }: { server: Pick<BenchServer, 'child'>; loads: readonly RoundLoad<K>[] }): Promise<Map<K, LoadSample[]>> {
  const samples = new Map<K, LoadSample[]>(loads.map((load) => [load.key, []]));
  let cacheOn: boolean | null = null;
  for (let round = 0; round < ROUNDS; round++) {
    for (const load of roundOrder({ loads, round })) {
      if (load.resultCache === 'filled') {
        if (cacheOn !== true) await setResultCache({ server, size: DEFAULT_RESULT_CACHE_SIZE });
        await checkPaths(load.target);
        cacheOn = true;
      } else if (load.resultCache === 'off' && cacheOn !== false) {
        await setResultCache({ server, size: 0 });
        cacheOn = false;
      }
      samples.get(load.key)?.push(await measure({ server, target: load.target, options: ROUND_LOAD }));
    }
  }
  return samples;
}

/** Summaries of every load against the `healthz` load of the same rounds. */
function summaries<K extends string>(samples: Map<K | 'healthz', LoadSample[]>): Map<K | 'healthz', RoundsSummary> {
  const baseline = samples.get('healthz') ?? [];
  return new Map([...samples].map(([key, rounds]) => [key, summariseRounds({ samples: rounds, baseline })]));
}

function baselineRow({ prefix, summary }: { prefix: string; summary: RoundsSummary }): BenchRow {
  return {
    ...latencyRow({ name: `${prefix}GET /healthz (the baseline, in every round)`, sorted: summary.latenciesMs }),
    reqPerSec: summary.reqPerSec,
    ratio: 1,
    note: `median of the rounds; every ratio below is the median of its rounds' ratios to this row in the same round; ${note(summary)}`,
  };
}

function ratioRow({ name, summary, target, extra }: { name: string; summary: RoundsSummary; target?: number; extra?: string }): BenchRow {
  const targetNotes = target === undefined ? [] : [verdict({ met: summary.ratio >= target, target: `≥ ${target}×` }), `met in ${summary.ratios.filter((ratio) => ratio >= target).length} of ${ROUNDS} rounds`];
  return {
    ...latencyRow({ name, sorted: summary.latenciesMs }),
    reqPerSec: summary.reqPerSec,
    ratio: summary.ratio,
    note: [...targetNotes, ...(extra ? [extra] : []), `median ${summary.ratio.toFixed(3)}, per round ${range(summary.ratios, 2)}`, note(summary)].join('; '),
  };
}

function summaryOf<K extends string>(summaries: Map<K, RoundsSummary>, key: K): RoundsSummary {
  const summary = summaries.get(key);
  if (!summary) throw new Error(`no rounds measured for ${key}`);
  return summary;
}

/**
 * The computed rows again against a web process alone, on the same directory (the split deployment),
 * each ratio to that process's own `/healthz`. Informational: the targets are read on the rows above.
 */
async function measureWebAlone({ dataDir, computedPaths, filteredPaths }: { dataDir: string; computedPaths: readonly string[]; filteredPaths: readonly string[] }): Promise<BenchRow[]> {
  const server = await serveOn({ dataDir, roles: 'web' });
  try {
    await setResultCache({ server, size: 0 });
    const target = (paths: readonly string[]): LoadTarget => ({ host: server.host, port: server.port, paths });
    await runLoad({ target: target([...computedPaths, ...filteredPaths, '/healthz']), options: SETTLE });
    const measured = summaries(
      await runRounds({
        server,
        loads: [
          { key: 'healthz', target: target(['/healthz']) },
          { key: 'computed', target: target(computedPaths) },
          { key: 'filtered', target: target(filteredPaths) },
        ],
      }),
    );
    const prefix = 'http, web process alone: ';
    return [
      baselineRow({ prefix, summary: summaryOf(measured, 'healthz') }),
      ratioRow({ name: `${prefix}search, computed (${computedPaths.length} URLs)`, summary: summaryOf(measured, 'computed') }),
      ratioRow({ name: `${prefix}search + tag filters, computed (${filteredPaths.length} URLs)`, summary: summaryOf(measured, 'filtered') }),
    ];
  } finally {
    await stopServer(server.child);
  }
}

export async function benchSearchHttp(): Promise<BenchRow[]> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'search-http-bench-'));
  let server: BenchServer | null = null;
  try {
    server = await startServer(dataDir);
    const { host, port } = server;
    const trivialTarget: LoadTarget = { host, port, paths: ['/healthz'] };
    const cachedTarget: LoadTarget = { host, port, paths: interleave(searchPathsByKind(server.tags)) };
    const computedTarget: LoadTarget = { host, port, paths: computedPaths() };
    const filteredTarget: LoadTarget = { host, port, paths: filteredPaths(server.tags) };
    const pageTarget: LoadTarget = { host, port, paths: server.pages.map((id) => `/policies/${id}`) };
    for (const target of [trivialTarget, cachedTarget, computedTarget, filteredTarget, pageTarget]) await checkPaths(target);
    // Untimed, cache off: the rounds start on a server that has served every kind of request for a while, not one just loaded.
    await setResultCache({ server, size: 0 });
    await runLoad({ target: { host, port, paths: [...computedTarget.paths, ...filteredTarget.paths, ...pageTarget.paths, '/healthz'] }, options: SETTLE });

    const measured = summaries(
      await runRounds({
        server,
        loads: [
          { key: 'healthz', target: trivialTarget },
          { key: 'cached', target: cachedTarget, resultCache: 'filled' },
          { key: 'page', target: pageTarget },
          { key: 'computed', target: computedTarget, resultCache: 'off' },
          { key: 'filtered', target: filteredTarget, resultCache: 'off' },
        ],
      }),
    );
    // /healthz one request at a time while 32 clients keep the server busy with computed searches.
    await setResultCache({ server, size: 0 });
    const [, healthzUnderLoad] = await Promise.all([
      runLoad({ target: computedTarget, options: UNDER_LOAD }),
      runLoad({ target: trivialTarget, options: { concurrency: 1, warmUpMs: UNDER_LOAD.warmUpMs + 250, durationMs: UNDER_LOAD.durationMs - 500 } }),
    ]);
    const computed = summaryOf(measured, 'computed');
    const serverPeak = procMemoryMb({ pid: server.child.pid ?? -1, field: 'VmHWM' });
    const serverNow = procMemoryMb({ pid: server.child.pid ?? -1, field: 'VmRSS' });
    const computedP99 = percentile({ sorted: computed.latenciesMs, fraction: 0.99 });
    const healthzP99 = percentile({ sorted: healthzUnderLoad.latenciesMs, fraction: 0.99 });
    await stopServer(server.child);
    const webAlone = await measureWebAlone({ dataDir, computedPaths: computedTarget.paths, filteredPaths: filteredTarget.paths });

    return [
      baselineRow({ prefix: 'http: ', summary: summaryOf(measured, 'healthz') }),
      ratioRow({
        name: `http: search, computed (${computedTarget.paths.length} distinct URLs, cache off)`,
        summary: computed,
        target: TARGETS.computed,
        extra: verdict({ met: computedP99 <= TARGETS.computedP99Ms, target: `p99 ≤ ${TARGETS.computedP99Ms} ms` }),
      }),
      ratioRow({ name: `http: search + tag filters, computed (${filteredTarget.paths.length} URLs)`, summary: summaryOf(measured, 'filtered'), target: TARGETS.filtered }),
      ratioRow({ name: `http: search, cached (${cachedTarget.paths.length} URLs, each asked before)`, summary: summaryOf(measured, 'cached'), target: TARGETS.cached }),
      ratioRow({ name: `http: policy page /policies/:id (${pageTarget.paths.length} policies)`, summary: summaryOf(measured, 'page'), target: TARGETS.page }),
      {
        ...latencyRow({ name: 'http: /healthz, 1 in flight, during 32 computed searches', sorted: healthzUnderLoad.latenciesMs }),
        note: `${verdict({ met: healthzP99 <= TARGETS.healthzP99Ms, target: `p99 ≤ ${TARGETS.healthzP99Ms} ms` })}; max ${Math.round(healthzUnderLoad.latenciesMs.at(-1) ?? 0)} ms${healthzUnderLoad.failures > 0 ? `; ${healthzUnderLoad.failures} failed` : ''}`,
      },
      ...webAlone,
      {
        name: 'peak RSS: server child',
        ...(serverPeak === null ? {} : { peakRssMb: serverPeak }),
        note: [
          ...(serverPeak === null ? [] : [verdict({ met: serverPeak <= TARGETS.peakRssMb, target: `≤ ${TARGETS.peakRssMb} MB` })]),
          `VmHWM of the serving process, from start through every run; ${server.policies} policies indexed, ready ${(server.loadMs / 1000).toFixed(1)} s after start (seeded in ${(server.seedMs / 1000).toFixed(1)} s by a separate process)`,
          ...(serverNow === null ? [] : [`VmRSS after the runs ${Math.round(serverNow)} MB`]),
        ].join('; '),
      },
    ];
  } finally {
    if (server) await stopServer(server.child);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  printTable(await benchSearchHttp());
}
