/**
 * Throughput rows measured in rounds against one server process, each round running every load
 * once, and each ratio read within its round. On a shared virtual machine the speed drifts by a
 * fifth and more over a minute; rows measured a minute apart compare different machines, while
 * loads a few seconds apart in the same round meet the same one. A row's ratio is the median of its
 * per-round ratios, so one slow stretch moves it by one rank, not by its size.
 */

/** What one timed load gave: requests, latencies, and the server's CPU time over it. */
export interface LoadSample {
  reqPerSec: number;
  /** Timed latencies in ms, sorted ascending. */
  latenciesMs: readonly number[];
  /** Successful responses over the whole load, warm-up included, to divide the CPU time by. */
  completedOverall: number;
  /** The server's CPU time over the whole load; null where it could not be read. */
  cpuSeconds: number | null;
  wallSeconds: number;
  failures: number;
  firstFailure: string | null;
}

export interface RoundsSummary {
  /** Median over the rounds. */
  reqPerSec: number;
  /** Median over the rounds of the round's rate over the baseline's rate in the same round. */
  ratio: number;
  ratios: readonly number[];
  /** Every round's timed latencies together, sorted ascending. */
  latenciesMs: number[];
  /** Server CPU time per successful request over every round; null where CPU time could not be read. */
  cpuMsPerRequest: number | null;
  /** Server CPU time over wall time, over every round. */
  busy: number | null;
  failures: number;
  firstFailure: string | null;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** Round `round`'s order of the loads: as given, then reversed, so drift inside a round favours no load. */
export function roundOrder<T>({ loads, round }: { loads: readonly T[]; round: number }): T[] {
  return round % 2 === 0 ? [...loads] : [...loads].reverse();
}

/** One row from its samples, round by round, against the baseline's samples of the same rounds. */
export function summariseRounds({ samples, baseline }: { samples: readonly LoadSample[]; baseline: readonly LoadSample[] }): RoundsSummary {
  if (samples.length !== baseline.length) throw new Error(`${samples.length} rounds of a load against ${baseline.length} of its baseline`);
  const ratios = samples.map((sample, round) => {
    const base = baseline[round]?.reqPerSec ?? 0;
    return base > 0 ? sample.reqPerSec / base : 0;
  });
  const cpu = samples.every((sample) => sample.cpuSeconds !== null) ? samples.reduce((sum, sample) => sum + (sample.cpuSeconds ?? 0), 0) : null;
  const completed = samples.reduce((sum, sample) => sum + sample.completedOverall, 0);
  const wall = samples.reduce((sum, sample) => sum + sample.wallSeconds, 0);
  return {
    reqPerSec: median(samples.map((sample) => sample.reqPerSec)),
    ratio: median(ratios),
    ratios,
    latenciesMs: samples.flatMap((sample) => sample.latenciesMs).sort((a, b) => a - b),
    cpuMsPerRequest: cpu === null || completed === 0 ? null : (cpu * 1000) / completed,
    busy: cpu === null || wall === 0 ? null : cpu / wall,
    failures: samples.reduce((sum, sample) => sum + sample.failures, 0),
    firstFailure: samples.find((sample) => sample.firstFailure !== null)?.firstFailure ?? null,
  };
}
