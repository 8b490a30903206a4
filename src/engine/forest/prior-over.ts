// A kept prior read over a given list of experts: the one rule for experts that joined or left since the
// estimate, used by collapse, branch, evaluation and chat alike.
import { GroveError } from '../../shared/api/errors';
import { normaliseDistribution } from './distribution';

/** A cached prior as estimated: its target, the experts it covers (catalog ids) and their weights. */
export interface PriorWeights {
  target: string;
  modelIds: readonly number[];
  weights: readonly number[];
}

/**
 * The prior over exactly `modelIds`, in that order. Experts removed since the estimate are dropped
 * and the rest renormalised (removing an expert changes nothing else, btm.md); an expert the prior
 * has never seen makes it stale, and that is refused: the prior must be estimated again.
 */
export function priorOver(prior: PriorWeights, modelIds: readonly number[]): number[] {
  const byId = new Map(prior.modelIds.map((id, j) => [id, prior.weights[j]!]));
  const missing = modelIds.filter((id) => !byId.has(id));
  if (missing.length > 0) {
    throw new GroveError(
      'conflict',
      `the prior for ${prior.target} was estimated before model ${missing.join(', ')} joined the forest. Estimate the prior for ${prior.target} again.`,
      { target: prior.target, missing },
    );
  }
  return normaliseDistribution(
    modelIds.map((id) => byId.get(id)!),
    `prior ${prior.target}`,
    modelIds.map((id) => `model ${id}`),
  );
}
