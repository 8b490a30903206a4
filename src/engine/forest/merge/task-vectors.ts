// The generalized task arithmetic that task_arithmetic, TIES and DARE share (mergekit's
// generalized_task_arithmetic): each model's task vector delta_j = theta_j - base is optionally sparsified
// (TIES: keep the `density` share of largest magnitudes; DARE: keep each entry with probability `density`,
// rescaled by 1/density), weighted by w_j, optionally restricted to the entries whose sign agrees with the
// sign of the weighted sum (TIES's sign election), summed, optionally divided by the weights that took part,
// and added to the base.
import { GroveError } from '../../../shared/api/errors';
import { Rng } from '../../model/rng';
import { checkLengths, type MergeParams, type TensorInputs, type TensorMergeParameter } from './tensor-method';

export type Sparsification = 'none' | 'magnitude' | 'random';

export const WEIGHT: TensorMergeParameter = {
  name: 'weight',
  type: 'number',
  perModel: true,
  description: 'how much of this model’s task vector (its difference from the base) is added',
};
export const DENSITY: TensorMergeParameter = {
  name: 'density',
  type: 'number',
  perModel: true,
  default: 1,
  min: 0,
  max: 1,
  description: 'the share of each task vector’s entries that is kept (1 keeps all)',
};
export const normalizeParameter = (defaultValue: boolean): TensorMergeParameter => ({
  name: 'normalize',
  type: 'boolean',
  perModel: false,
  default: defaultValue,
  description: 'divide the summed task vectors by the weights that took part at each entry',
});
export const RESCALE: TensorMergeParameter = {
  name: 'rescale',
  type: 'boolean',
  perModel: false,
  default: true,
  description: 'scale the kept entries by 1/density, so a task vector keeps its expected size',
};

/** Keeps the round(density * n) largest magnitudes of `delta` (mergekit's `magnitude`), in place. */
function keepLargest(delta: Float32Array, density: number): void {
  if (density >= 1) return;
  const k = Math.floor(density * delta.length);
  if (k <= 0) {
    delta.fill(0);
    return;
  }
  const order = new Uint32Array(delta.length).map((_, i) => i).sort((a, b) => Math.abs(delta[b]!) - Math.abs(delta[a]!) || a - b);
  for (let r = k; r < order.length; r++) delta[order[r]!] = 0;
}

/** Keeps each entry with probability `density` (DARE's random drop), rescaled by 1/density when asked, in place. */
function dropAtRandom(delta: Float32Array, density: number, rescale: boolean, rng: Rng): void {
  if (density >= 1) return;
  const scale = rescale && density > 0 ? 1 / density : 1;
  for (let i = 0; i < delta.length; i++) delta[i] = rng.uniform() < density ? delta[i]! * scale : 0;
}

export function mergeTaskVectors(
  method: string,
  inputs: TensorInputs,
  params: MergeParams,
  how: { sparsify: Sparsification; signElection: boolean },
): Float32Array {
  const n = checkLengths(method, inputs);
  const base = inputs.base;
  if (!base)
    throw new GroveError(
      'bad_input',
      `merge ${method}: it needs a base model (the seed the experts were branched from) to take task vectors from.`,
      { method },
    );
  const w = params.perModel.weight!;
  const density = params.perModel.density;
  const weighted = inputs.models.map((t, j) => {
    const delta = new Float32Array(n);
    for (let i = 0; i < n; i++) delta[i] = t[i]! - base[i]!;
    if (how.sparsify === 'magnitude') keepLargest(delta, density![j]!);
    else if (how.sparsify === 'random')
      dropAtRandom(delta, density![j]!, params.global.rescale === true, new Rng(params.seed, `${inputs.name}#${j}`));
    for (let i = 0; i < n; i++) delta[i]! *= w[j]!;
    return delta;
  });
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let total = 0;
    for (const d of weighted) total += d[i]!;
    const elected = total >= 0 ? 1 : -1;
    let mixed = 0;
    let divisor = 0;
    for (const [j, d] of weighted.entries()) {
      if (how.signElection && Math.sign(d[i]!) !== elected) continue;
      mixed += d[i]!;
      divisor += w[j]!;
    }
    if (params.global.normalize === true) mixed /= how.signElection ? divisor || 1 : Math.abs(divisor) < 1e-8 ? 1 : divisor;
    out[i] = base[i]! + mixed;
  }
  return out;
}
