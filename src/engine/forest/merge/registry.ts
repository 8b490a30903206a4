// The merge methods Grove offers (mergekit's names), as the per-tensor units that mergeModels streams models
// through: collapse and a branch's posterior-weighted init (linear), and the other collapses. Adding a method is
// one file beside these and one line here.
import { GroveError } from '../../../shared/api/errors';
import type { MergeMethodView } from '../../../shared/api/merge-methods';
import { dareLinear, dareTies } from './dare';
import { linearTensor } from './linear-tensor';
import { slerp } from './slerp';
import { taskArithmetic } from './task-arithmetic';
import type { TensorMergeMethod } from './tensor-method';
import { ties } from './ties';

export const MERGE_METHODS: readonly TensorMergeMethod[] = [linearTensor, taskArithmetic, ties, dareLinear, dareTies, slerp];

export function mergeMethod(name: string): TensorMergeMethod {
  const method = MERGE_METHODS.find((m) => m.name === name);
  if (!method)
    throw new GroveError(
      'not_found',
      `merge method "${name}" does not exist. Use one of: ${MERGE_METHODS.map((m) => m.name).join(', ')}.`,
      { method: name },
    );
  return method;
}

/** Why `method` cannot merge `used` models, or null when it can. */
export function methodMisfit(name: string, used: number): string | null {
  const method = mergeMethod(name);
  if (used >= method.models.min && (method.models.max === undefined || used <= method.models.max)) return null;
  const takes = method.models.max === method.models.min ? `exactly ${method.models.min}` : `at least ${method.models.min}`;
  return `${method.name} merges ${takes} models; ${used} ${used === 1 ? 'was' : 'were'} chosen.`;
}

/** The settings a person gives beyond the weights (the weights come from the collapse's weighting). */
const SETTINGS = ['density', 't', 'normalize'] as const;

/** What the app and CLI show of each method. */
export function mergeMethodViews(): MergeMethodView[] {
  return MERGE_METHODS.map((m) => ({
    name: m.name as MergeMethodView['name'],
    description: m.description,
    paper: m.paper,
    needsBase: m.needsBase,
    models: { min: m.models.min, max: m.models.max ?? null },
    settings: m.parameters
      .filter((p) => (SETTINGS as readonly string[]).includes(p.name))
      .map((p) => ({ name: p.name, description: p.description, default: p.default ?? null })),
  }));
}
