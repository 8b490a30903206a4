// A collapse trial in words, the same in the app's table and `grove collapse --try-methods`: what text the merge
// methods were scored on, and how far each one is from the best.
import type { CollapseTrial, CollapseTrialRow } from './schemas-collapse-trial';

/** "Scored on 16384 held-out tokens of domain:law (valid split, windows of 128)." */
export function trialSampleText(trial: Pick<CollapseTrial, 'tokens' | 'target' | 'contextLength'>): string {
  return `Scored on ${trial.tokens} held-out tokens of ${trial.target} (valid split, windows of ${trial.contextLength}).`;
}

/** "best", or how much higher the row's perplexity is than the best's: "+3.2 %". */
export function trialGapText(row: CollapseTrialRow, best: CollapseTrialRow): string {
  if (row.method === best.method) return 'best';
  return `+${((row.perplexity / best.perplexity - 1) * 100).toFixed(1)} %`;
}
