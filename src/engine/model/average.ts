// What every parameter average and merge of models needs from the model layer (btm.md: branch and collapse):
// weights checked and renormalised, configs of one lineage, and the dtype a merge writes. The averaging itself
// is the `linear` merge method (forest/merge/), streamed by mergeModels, which every average goes through.
import { GroveError } from '../../shared/api/errors';
import type { ModelConfig } from './config';
import { WRITE_DTYPES, type WriteDtype } from './dtype';
import type { TensorReader } from './safetensors';

/** Checks averaging weights (finite, >= 0, not all zero) and rescales them to sum to 1. */
export function normaliseWeights(weights: readonly number[]): number[] {
  if (weights.length === 0) throw new GroveError('bad_input', 'average: no models given. Pass at least one model with a weight.');
  weights.forEach((w, j) => {
    if (!Number.isFinite(w) || w < 0)
      throw new GroveError('bad_input', `average: weight ${j} is ${w}; weights must be finite and >= 0. Fix that weight.`, {
        index: j,
        weight: w,
      });
  });
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum === 0)
    throw new GroveError('bad_input', 'average: all weights are zero. Give at least one model a positive weight.', { weights });
  return weights.map((w) => w / sum);
}

/** The dtype a merge writes by default: the inputs' own when they all share one Grove writes, else F32. */
export function sharedWriteDtype(readers: readonly TensorReader[], names: readonly string[]): WriteDtype {
  const dtypes = new Set(readers.flatMap((r) => names.map((n) => r.info(n).dtype)));
  const only = [...dtypes][0];
  return dtypes.size === 1 && (WRITE_DTYPES as readonly string[]).includes(only!) ? (only as WriteDtype) : 'F32';
}

/** Config fields that must agree for an average to mean anything (everything but storage details). */
function configDifferences(a: ModelConfig, b: ModelConfig): Array<keyof ModelConfig> {
  const ignored = new Set(['torchDtype', 'initializerRange']);
  return (Object.keys(a) as Array<keyof ModelConfig>).filter((k) => !ignored.has(k) && JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}

/** Refuses configs that differ from the first in anything but storage details, naming the field and both values. */
export function assertOneLineage(configs: readonly ModelConfig[], labels: readonly string[], what: string): void {
  const first = configs[0]!;
  configs.forEach((c, j) => {
    const diff = configDifferences(first, c);
    if (diff.length > 0) {
      const shown = diff.map((k) => `${k} ${JSON.stringify(first[k])} vs ${JSON.stringify(c[k])}`).join(', ');
      throw new GroveError(
        'bad_input',
        `${what}: ${labels[j]} differs from ${labels[0]} in ${shown}. Only models of one lineage (same architecture and shape) can be merged.`,
        { fields: diff },
      );
    }
  });
}
