// Which merge methods of the registry get a row of the BTM benchmark, with what settings, and why one is left
// out (merge-rows.ts scores them): every method but linear (whose posterior-weighted merge is the existing
// "posterior-weighted parameter average" row), each with the posterior weights; SLERP, which takes exactly two
// models and a share t rather than weights, only for a forest of two experts.
import { GroveError } from '../../shared/api/errors';
import { MERGE_METHOD_NAMES, type MergeMethodName } from '../../shared/api/merge-methods';
import { MERGE_METHODS, methodMisfit } from '../../engine/forest/merge/registry';
import type { TensorMergeMethod } from '../../engine/forest/merge/tensor-method';

/**
 * TIES and DARE keep this share of each task vector: the app's Collapse panel's default. The registry's own
 * default (mergekit's, 1) keeps every entry, where DARE would be task arithmetic again.
 */
export const BENCH_MERGE_DENSITY = 0.5;

/** The posterior-weighted linear merge is the benchmark's existing "posterior-weighted parameter average" row. */
export const LINEAR_ROW = 'average-posterior';

export type MergeRowId = `merge-${Exclude<MergeMethodName, 'linear'>}`;

/** The methods with a row of their own: every registered method but linear, in the registry's order. */
export const MERGE_ROW_METHODS: readonly TensorMergeMethod[] = MERGE_METHODS.filter((m) => m.name !== 'linear');

export const takesWeights = (m: TensorMergeMethod): boolean => m.parameters.some((p) => p.name === 'weight');
export const hasDensity = (m: TensorMergeMethod): boolean => m.parameters.some((p) => p.name === 'density');

export function mergeRowId(method: string): MergeRowId {
  if (!(MERGE_METHOD_NAMES as readonly string[]).includes(method) || method === 'linear')
    throw new GroveError('internal', `BTM benchmark: merge method ${method} has no row of its own.`);
  return `merge-${method}` as MergeRowId;
}

/** A method's row label, saying what it merges with. */
export function mergeRowLabel(m: TensorMergeMethod): string {
  const weights = takesWeights(m) ? 'posterior weights' : "t = the second expert's posterior weight";
  return `${m.name} merge (${[weights, m.needsBase ? 'seed as base' : '', hasDensity(m) ? `density ${BENCH_MERGE_DENSITY}` : ''].filter(Boolean).join(', ')})`;
}

/** What one method of the registry became in a forest's results: its row, or why it has none. */
export interface MergeMethodRow {
  method: string;
  /** The row that scores it (linear: the posterior-weighted average's); null when left out. */
  row: string | null;
  /** The settings it merged with beyond the weights (density, DARE's seed; t per genre for SLERP: the posterior). */
  settings: Record<string, number>;
  leftOut: string | null;
}

/** Which methods have a row for a forest of `experts` experts, and why the others have none. */
export function mergeRowPlan(experts: number, dareSeed: number): MergeMethodRow[] {
  return MERGE_METHODS.map((m) => {
    if (m.name === 'linear') return { method: m.name, row: LINEAR_ROW, settings: {}, leftOut: null };
    const misfit =
      methodMisfit(m.name, experts) === null
        ? null
        : `${m.name} merges ${m.models.max === m.models.min ? 'exactly' : 'at least'} ${m.models.min} models and this forest has ${experts} experts`;
    const settings = {
      ...(hasDensity(m) ? { density: BENCH_MERGE_DENSITY } : {}),
      ...(m.name.startsWith('dare_') ? { seed: dareSeed } : {}) /* DARE's random drop */,
    };
    return misfit
      ? { method: m.name, row: null, settings, leftOut: misfit }
      : { method: m.name, row: mergeRowId(m.name), settings, leftOut: null };
  });
}
