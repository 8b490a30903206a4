// The heatmap's table from the catalog's evaluations: one row per model or ensemble (its label), one column
// per domain, the newest score of each pair on the test split (re-evaluating replaces a cell, never adds one).
import type { EvaluationView } from '../../../shared/api/schemas-forest';
import type { HeatmapCell } from '../components/EvaluationHeatmap.svelte';

export interface Heatmap {
  rows: string[];
  domains: string[];
  cells: HeatmapCell[];
}

/** `domainOrder`: the forest's domains in their order; domains only evaluations know come after them. */
export function heatmapOf(
  evaluations: readonly EvaluationView[],
  domainOrder: readonly string[],
  split: EvaluationView['split'] = 'test',
): Heatmap {
  const latest = new Map<string, EvaluationView>();
  for (const e of evaluations) {
    if (e.split !== split) continue;
    const key = `${e.label}\u0000${e.domain}`;
    const known = latest.get(key);
    if (!known || known.createdAt <= e.createdAt) latest.set(key, e);
  }
  const kept = [...latest.values()];
  // Single models first, in the order they appear; ensembles after them.
  const rows = [
    ...new Set([...kept.filter((e) => e.spec.kind === 'model'), ...kept.filter((e) => e.spec.kind !== 'model')].map((e) => e.label)),
  ];
  const seen = new Set(kept.map((e) => e.domain));
  const domains = [...domainOrder.filter((d) => seen.has(d)), ...[...seen].filter((d) => !domainOrder.includes(d))];
  return {
    rows,
    domains,
    cells: kept.map((e) => ({ row: e.label, domain: e.domain, perplexity: e.perplexity, bitsPerByte: e.bitsPerByte })),
  };
}
