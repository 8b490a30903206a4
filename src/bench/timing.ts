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

/** Peak resident set size of this process so far, in MiB (Linux: VmHWM; elsewhere: current RSS). */
export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}
