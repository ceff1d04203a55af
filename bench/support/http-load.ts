/**
 * A small closed-loop HTTP load generator: a fixed number of requests in flight over keep-alive
 * connections for a fixed time. Closed-loop keeps the server saturated without queueing requests in
 * the client, so latency is not inflated by a client-side backlog and requests/s is the server's
 * capacity as long as the client keeps up (compare the server's CPU use, see `cpuSeconds`).
 * Also readers of /proc for the memory and CPU figures the benchmarks report.
 */
import fs from 'node:fs';
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface LoadTarget {
  host: string;
  port: number;
  /** Request paths, sent in turn so a mix of queries is spread evenly over the run. */
  paths: readonly string[];
}

export interface LoadOptions {
  concurrency: number;
  warmUpMs: number;
  durationMs: number;
}

export interface LoadResult {
  /** Responses completed inside the timed window. */
  completed: number;
  /** Successful responses over the whole run, warm-up included, to divide the server's CPU time by. */
  completedOverall: number;
  reqPerSec: number;
  /** Latencies of the timed responses, in milliseconds, sorted ascending. */
  latenciesMs: number[];
  /** Non-2xx responses and transport errors during warm-up and timed run alike. */
  failures: number;
  firstFailure: string | null;
}

interface Reply {
  status: number;
  body: string;
}

/** The body is read to the end because a keep-alive socket is only reused after that. */
function send({ agent, host, port, path, keepBody }: { agent: http.Agent; host: string; port: number; path: string; keepBody: boolean }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = http.get({ agent, host, port, path }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => {
        if (keepBody) chunks.push(chunk);
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

export function percentile({ sorted, fraction }: { sorted: readonly number[]; fraction: number }): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? 0;
}

/** Sends every path once and throws on the first non-2xx, so a broken URL fails the run instead of timing error pages. */
export async function checkPaths(target: LoadTarget): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (const path of target.paths) {
      // A keep-alive socket the server closed as idle just as it was reused: ask again once.
      const reply = await send({ agent, host: target.host, port: target.port, path, keepBody: true }).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET') throw error;
        return send({ agent, host: target.host, port: target.port, path, keepBody: true });
      });
      if (reply.status < 200 || reply.status >= 300) throw new Error(`GET ${path} → ${reply.status}: ${reply.body.slice(0, 300)}`);
    }
  } finally {
    agent.destroy();
  }
}

export async function runLoad({ target, options }: { target: LoadTarget; options: LoadOptions }): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const started = performance.now();
  const timedFrom = started + options.warmUpMs;
  const timedUntil = timedFrom + options.durationMs;
  const latenciesMs: number[] = [];
  let next = 0;
  let completed = 0;
  let completedOverall = 0;
  let failures = 0;
  let firstFailure: string | null = null;

  const fail = (message: string): void => {
    failures += 1;
    firstFailure ??= message;
  };

  const worker = async (): Promise<void> => {
    while (performance.now() < timedUntil) {
      const path = target.paths[next % target.paths.length] ?? '/';
      next += 1;
      const sentAt = performance.now();
      try {
        const reply = await send({ agent, host: target.host, port: target.port, path, keepBody: false });
        const doneAt = performance.now();
        if (reply.status < 200 || reply.status >= 300) {
          fail(`GET ${path} → ${reply.status}`);
          continue;
        }
        completedOverall += 1;
        // Only requests sent after warm-up count, so the timed window sees steady state, not connection set-up.
        if (sentAt >= timedFrom && doneAt <= timedUntil) {
          completed += 1;
          latenciesMs.push(doneAt - sentAt);
        }
      } catch (error) {
        fail(`GET ${path}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: options.concurrency }, () => worker()));
  } finally {
    agent.destroy();
  }
  return {
    completed,
    completedOverall,
    reqPerSec: completed / (options.durationMs / 1000),
    latenciesMs: latenciesMs.sort((a, b) => a - b),
    failures,
    firstFailure,
  };
}

/** A memory line of /proc/<pid>/status (VmHWM: peak resident set, VmRSS: current) in MiB; null where /proc is not available. */
export function procMemoryMb({ pid, field }: { pid: number; field: 'VmHWM' | 'VmRSS' }): number | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, 'm').exec(status);
    return match?.[1] ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** The bench process itself, with a portable fallback for systems without /proc. */
export function ownPeakRssMb(): number {
  return procMemoryMb({ pid: process.pid, field: 'VmHWM' }) ?? process.resourceUsage().maxRSS / 1024;
}

/** Linux reports CPU times in clock ticks; USER_HZ is 100 on every mainstream architecture. */
const TICKS_PER_SECOND = 100;

/** User + system CPU time a live process has used so far, in seconds; null where /proc is not available. */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses, so fields are counted from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const user = Number(fields[11]);
    const system = Number(fields[12]);
    return Number.isFinite(user) && Number.isFinite(system) ? (user + system) / TICKS_PER_SECOND : null;
  } catch {
    return null;
  }
}
