// What `grove show` prints of the forest's ensembles: every stored ensemble evaluation (a posterior-weighted
// ensemble, or the cluster-routed one of a discovery's experts), under the label the app's heatmap gives its row
// ("ensemble of 3 (cluster-routed)"), with its experts and its newest score per domain and split.
import type { EvaluationView } from '../shared/api/schemas-forest';

type EnsembleEvaluation = EvaluationView & { spec: Exclude<EvaluationView['spec'], { kind: 'model' }> };

/** How the ensemble was weighed, in words: what its label abbreviates. */
function weighing(spec: EnsembleEvaluation['spec']): string {
  if (spec.kind === 'routed') return "c-BTM routing by the forest's clusterer";
  return `${spec.prior} prior, ${spec.posterior} posterior`;
}

/** One score in a line, as `grove show NAME` prints a model's. */
export function scoreText(e: EvaluationView): string {
  return `${e.domain} ${e.split}: perplexity ${e.perplexity.toFixed(2)}, ${e.bitsPerByte?.toFixed(4) ?? '–'} bits/byte (${e.tokens} tokens)`;
}

/** The ensemble evaluations (the catalog's newest of each), as lines: by heatmap row, its experts, then its scores. */
export function ensembleLines(evaluations: readonly EvaluationView[], indent = ''): string[] {
  const ensembles = evaluations.filter((e): e is EnsembleEvaluation => e.spec.kind !== 'model');
  // One group per heatmap row: the heatmap keys rows by label, so two specs of one label share it there and here.
  // Within a row, the newest score of each domain and split, as the heatmap's cell is.
  const rows = new Map<string, Map<string, EnsembleEvaluation>>();
  for (const e of ensembles) {
    const cells = rows.get(e.label) ?? new Map<string, EnsembleEvaluation>();
    const key = `${e.domain}\u0000${e.split}`;
    const known = cells.get(key);
    if (!known || known.createdAt <= e.createdAt) cells.set(key, e);
    rows.set(e.label, cells);
  }
  return [...rows].flatMap(([label, cells]) => {
    const scores = [...cells.values()];
    const newest = scores.reduce((a, b) => (b.createdAt >= a.createdAt ? b : a));
    return [
      `${indent}${label}: ${newest.spec.models.join(', ')} (${weighing(newest.spec)})`,
      ...scores.map((e) => `${indent}  ${scoreText(e)}`),
    ];
  });
}
