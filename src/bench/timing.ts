// Timing helpers for benchmarks: warm-up, repeat until a minimum time, report the median.
import { performance } from 'node:perf_hooks';

export interface Timing {
  medianMs: number;
  runs: number;
  /** The fastest and slowest timed run: the range a median hides. */
  minMs: number;
  maxMs: number;
}

function summary(samples: readonly number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    medianMs: sorted[Math.floor(sorted.length / 2)] as number,
    runs: sorted.length,
    minMs: sorted[0] as number,
    maxMs: sorted.at(-1) as number,
  };
}

/** Runs `fn` `warmup` times untimed, then at least `minRuns` times and for at least `minMs`. */
export async function time(
  fn: () => Promise<unknown> | unknown,
  opts: { warmup?: number; minRuns?: number; minMs?: number } = {},
): Promise<Timing> {
  const { warmup = 2, minRuns = 5, minMs = 1000 } = opts;
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < minRuns || performance.now() - start < minMs) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return summary(samples);
}

/**
 * Runs several contenders in turn (A, B, A, B, ...) for `rounds` rounds after at least `warmup` untimed
 * rounds; the median and range of each. On a shared machine a load that comes and goes then falls on every
 * contender alike, which back-to-back blocks of runs do not ensure. With `settle`, warm-up goes on (up to
 * `maxWarmup` rounds) until every contender's last three untimed runs lie within that fraction of each
 * other: first runs pay for allocations, caches and thread pools, and a baseline timed before it settles is
 * a weaker baseline.
 */
export async function interleaved<K extends string>(
  fns: Record<K, () => Promise<unknown> | unknown>,
  opts: { warmup?: number; rounds?: number; settle?: number; maxWarmup?: number } = {},
): Promise<Record<K, Timing> & { warmupRounds: number }> {
  const { warmup = 1, rounds = 5, settle, maxWarmup = 8 } = opts;
  const keys = Object.keys(fns) as K[];
  const round = async (into: Record<K, number[]>): Promise<void> => {
    for (const k of keys) {
      const t0 = performance.now();
      await fns[k]();
      into[k].push(performance.now() - t0);
    }
  };
  const fresh = () => Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  const warm = fresh();
  const settled = () =>
    settle === undefined ||
    keys.every((k) => {
      const last = warm[k].slice(-3);
      return last.length === 3 && Math.max(...last) <= (1 + settle) * Math.min(...last);
    });
  let warmupRounds = 0;
  while (warmupRounds < warmup || (!settled() && warmupRounds < maxWarmup)) {
    await round(warm);
    warmupRounds++;
  }
  const samples = fresh();
  for (let r = 0; r < rounds; r++) await round(samples);
  return { ...(Object.fromEntries(keys.map((k) => [k, summary(samples[k])])) as Record<K, Timing>), warmupRounds };
}

/** Peak resident set size of this process so far, in MiB (Linux: VmHWM; elsewhere: current RSS). */
export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}
