// `grove collapse --try-methods`: the merge methods' perplexities on the target's held-out text, as the app's
// Collapse panel shows them (shared/api/collapse-trial-text.ts), one method a line, best marked.
import { trialGapText, trialSampleText } from '../shared/api/collapse-trial-text';
import type { CollapseTrial } from '../shared/api/schemas-collapse-trial';

export function printCollapseTrial(trial: CollapseTrial): void {
  const best = trial.rows.find((r) => r.method === trial.best)!;
  const width = Math.max(...[...trial.rows, ...trial.skipped].map((r) => r.method.length));
  console.log(trialSampleText(trial));
  console.log(`${'method'.padEnd(width)}  ${'perplexity'.padStart(10)}  against the best`);
  for (const row of trial.rows)
    console.log(`${row.method.padEnd(width)}  ${row.perplexity.toFixed(2).padStart(10)}  ${trialGapText(row, best)}`);
  for (const s of trial.skipped) console.log(`${s.method.padEnd(width)}  ${'-'.padStart(10)}  not tried: ${s.reason}`);
}
