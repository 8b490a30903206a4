// Averaging weights for collapse and branch (btm.md "Weights for averaging", "The four operations" 1):
// theta = sum_j w_j * theta_j with w = uniform, the cached posterior on a target, or manual sliders,
// optionally restricted to the top-k and renormalised; and the branch inits (posterior-weighted
// average, copy of the seed, copy of the nearest expert). The chosen parents become lineage edges.
import { GroveError } from '../../shared/api/errors';
import { checkTopK, normaliseDistribution, topKIndices } from './distribution';
import { priorOver, type PriorWeights } from './prior-over';

/** An expert as the catalog names it. */
export interface ExpertRef {
  id: number;
  name: string;
}

/** One parent of an average (a future lineage edge); the weights of one average sum to 1. */
export interface ParentWeight {
  modelId: number;
  name: string;
  weight: number;
}

/** A cached prior as weights needs it (a StoredPrior will do). */
export type PriorOnTarget = PriorWeights;

export type AveragingChoice =
  /** The paper's best, and Grove's one-click default: the cached prior on the target. */
  | { method: 'posterior'; prior: PriorOnTarget }
  /** From the chat's domain-mix sliders, by expert name; experts left out get 0. */
  | { method: 'manual'; weights: Readonly<Record<string, number>> }
  /** Offered, never the default: it did worse than everything in the paper, the dense LM included. */
  | { method: 'uniform' };

export const DEFAULT_AVERAGING_METHOD = 'posterior' satisfies AveragingChoice['method'];

function checkExperts(experts: readonly ExpertRef[], where: string): void {
  if (experts.length === 0)
    throw new GroveError('bad_input', `${where}: the forest has no experts to average. Branch an expert from the seed first.`);
  const ids = new Set<number>();
  const names = new Set<string>();
  for (const e of experts) {
    if (ids.has(e.id) || names.has(e.name))
      throw new GroveError('bad_input', `${where}: expert "${e.name}" (id ${e.id}) is listed twice. List each expert once.`, {
        expert: e.name,
      });
    ids.add(e.id);
    names.add(e.name);
  }
}

/** Pairs experts with a distribution, leaving out the zero weights (a parent that gave nothing). */
function parents(experts: readonly ExpertRef[], weights: readonly number[]): ParentWeight[] {
  return experts.flatMap((e, j) => (weights[j]! > 0 ? [{ modelId: e.id, name: e.name, weight: weights[j]! }] : []));
}

/** Keeps the k largest weights (ties to the earlier expert), renormalised; k >= count changes nothing. */
export function restrictToTopK(weights: readonly ParentWeight[], k: number): ParentWeight[] {
  checkTopK(k, weights.length);
  if (k >= weights.length) return weights.map((p) => ({ ...p }));
  const keep = new Set(
    topKIndices(
      weights.map((p) => (p.weight > 0 ? p.weight : -Infinity)),
      k,
    ),
  );
  const kept = weights.filter((_, j) => keep.has(j));
  const w = normaliseDistribution(
    kept.map((p) => p.weight),
    'top-k weights',
    kept.map((p) => p.name),
  );
  return kept.map((p, j) => ({ ...p, weight: w[j]! }));
}

/** P(D=j) = 1/k over every expert. */
export function uniformWeights(experts: readonly ExpertRef[]): ParentWeight[] {
  checkExperts(experts, 'uniform weights');
  return parents(
    experts,
    experts.map(() => 1 / experts.length),
  );
}

/** The cached prior on the target, over exactly these experts (stale priors are refused). */
export function posteriorWeights(experts: readonly ExpertRef[], prior: PriorOnTarget): ParentWeight[] {
  checkExperts(experts, `posterior weights (${prior.target})`);
  return parents(
    experts,
    priorOver(
      prior,
      experts.map((e) => e.id),
    ),
  );
}

/** Slider values by expert name: each finite and >= 0, not all zero; renormalised to sum to 1. */
export function manualWeights(experts: readonly ExpertRef[], sliders: Readonly<Record<string, number>>): ParentWeight[] {
  checkExperts(experts, 'manual weights');
  const known = new Set(experts.map((e) => e.name));
  for (const name of Object.keys(sliders)) {
    if (!known.has(name)) {
      throw new GroveError(
        'not_found',
        `manual weights: there is no expert "${name}" in this forest. Use one of: ${[...known].join(', ')}.`,
        { expert: name, experts: [...known] },
      );
    }
  }
  const values = experts.map((e) => (Object.hasOwn(sliders, e.name) ? sliders[e.name]! : 0));
  return parents(
    experts,
    normaliseDistribution(
      values,
      'manual weights',
      experts.map((e) => e.name),
    ),
  );
}

/** The weights of a collapse (or any average): the chosen method, then the optional top-k. */
export function averagingWeights(experts: readonly ExpertRef[], choice: AveragingChoice, topK = Infinity): ParentWeight[] {
  let w: ParentWeight[];
  switch (choice.method) {
    case 'posterior':
      w = posteriorWeights(experts, choice.prior);
      break;
    case 'manual':
      w = manualWeights(experts, choice.weights);
      break;
    case 'uniform':
      w = uniformWeights(experts);
      break;
    default:
      throw new GroveError(
        'bad_input',
        `averaging: unknown method "${String((choice as { method: unknown }).method)}". Use posterior, manual or uniform.`,
      );
  }
  return restrictToTopK(w, topK);
}

export type BranchInit =
  /**
   * Grove's default and the paper's best (no public code implements it): the average of the
   * experts weighted by the posterior of the new domain's data (the cached prior on it), top-k.
   */
  | { kind: 'posterior'; prior: PriorOnTarget; topK?: number }
  /** What the released BTM code does: start from the seed. */
  | { kind: 'seed'; seed: ExpertRef }
  /** DEMix's choice: a copy of the single expert most likely under the new domain's data. */
  | { kind: 'nearest'; prior: PriorOnTarget };

export const DEFAULT_BRANCH_INIT = 'posterior' satisfies BranchInit['kind'];

/** The parents a new expert starts from, with weights (one parent at weight 1 for a copy). */
export function branchParents(experts: readonly ExpertRef[], init: BranchInit): ParentWeight[] {
  switch (init.kind) {
    case 'posterior':
      return restrictToTopK(posteriorWeights(experts, init.prior), init.topK ?? Infinity);
    case 'seed':
      return [{ modelId: init.seed.id, name: init.seed.name, weight: 1 }];
    case 'nearest': {
      const [best] = restrictToTopK(posteriorWeights(experts, init.prior), 1);
      return [{ ...best!, weight: 1 }];
    }
    default:
      throw new GroveError(
        'bad_input',
        `branch: unknown init "${String((init as { kind: unknown }).kind)}". Use posterior, seed or nearest.`,
      );
  }
}
