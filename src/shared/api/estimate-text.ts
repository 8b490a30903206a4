// A run's estimate beside what it took, in words, the same in the app's training view and the CLI (`grove show`,
// the end-of-training line): "estimated 25 min 00 s, took 31 min 10 s (1.25x the estimate); peak memory
// estimated 4.95 GB, measured 4.60 GB". So a person can judge the estimates, and see them improve.
import type { RunActual, RunEstimate } from './schemas-forest';
import { formatBytes, formatDuration } from './units';

/** The time part: the estimate (or that none was known), what it took, and their ratio. */
function timeWords(estimate: RunEstimate | null, actual: RunActual | null): string {
  const estimated = estimate?.seconds == null ? 'no time estimated' : `estimated ${formatDuration(estimate.seconds)}`;
  if (!actual) return estimated;
  const ratio = estimate?.seconds ? ` (${(actual.seconds / estimate.seconds).toFixed(2)}x the estimate)` : '';
  return `${estimated}, took ${formatDuration(actual.seconds)}${ratio}`;
}

/** The peak memory part: estimated from the shapes, measured by the run's process where it was. */
function memoryWords(estimate: RunEstimate | null, actual: RunActual | null): string {
  const measured = actual?.peakMemoryBytes ? `measured ${formatBytes(actual.peakMemoryBytes)}` : null;
  if (!estimate) return measured ? `peak memory ${measured}` : '';
  return `peak memory estimated ${formatBytes(estimate.peakMemoryBytes)}${measured ? `, ${measured}` : ''}`;
}

/** The whole line, or null for a run with neither (one queued before estimates were kept, not finished). */
export function estimateVsActual(estimate: RunEstimate | null, actual: RunActual | null): string | null {
  if (!estimate && !actual) return null;
  return [timeWords(estimate, actual), memoryWords(estimate, actual)].filter((w) => w !== '').join('; ');
}
