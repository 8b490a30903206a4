// Timing helpers for benchmarks: warm-up, repeat until a minimum time, report the median.
import { performance } from 'node:perf_hooks';

export interface Timing {
  medianMs: number;
  runs: number;
}

/** Runs `fn` `warmup` times untimed, then at least `minRuns` times and for at least `minMs`. */
export async function time(fn: () => Promise<unknown> | unknown, opts: { warmup?: number; minRuns?: number; minMs?: number } = {}): Promise<Timing> {
  const { warmup = 2, minRuns = 5, minMs = 1000 } = opts;
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < minRuns || performance.now() - start < minMs) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return { medianMs: samples[Math.floor(samples.length / 2)] as number, runs: samples.length };
}

/**
 * Runs several contenders in turn (A, B, A, B, ...) for `rounds` rounds after `warmup` untimed rounds; the
 * median of each. On a shared machine a load that comes and goes then falls on every contender alike, which
 * back-to-back blocks of runs do not ensure.
 */
export async function interleaved<K extends string>(fns: Record<K, () => Promise<unknown> | unknown>, opts: { warmup?: number; rounds?: number } = {}): Promise<Record<K, Timing>> {
  const { warmup = 1, rounds = 5 } = opts;
  const keys = Object.keys(fns) as K[];
  for (let i = 0; i < warmup; i++) for (const k of keys) await fns[k]();
  const samples = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let r = 0; r < rounds; r++) {
    for (const k of keys) {
      const t0 = performance.now();
      await fns[k]();
      samples[k].push(performance.now() - t0);
    }
  }
  return Object.fromEntries(
    keys.map((k) => {
      const sorted = [...samples[k]].sort((a, b) => a - b);
      return [k, { medianMs: sorted[Math.floor(sorted.length / 2)] as number, runs: sorted.length }];
    }),
  ) as Record<K, Timing>;
}

/** Peak resident set size of this process so far, in MiB (Linux: VmHWM; elsewhere: current RSS). */
export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}
