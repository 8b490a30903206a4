// c-BTM routing of a text to a discovered forest's experts, with no expert forward pass: the text embedded by the
// clusterer that made the clusters (corpus/discover/clusterer.ts), w_c = softmax_c(-||e - centre_c||^2 / T) over
// the clusters (T = 0.1, c-BTM's), each expert's weight the sum over the clusters it grew from (a
// name given to two clusters merged them into one expert; a dropped cluster's share is left out, the rest
// renormalised), then optionally the k experts of largest weight, renormalised (only those need to run).
import { GroveError } from '../../shared/api/errors';
import { columnsOf, embedText, type Clusterer } from '../corpus/discover/clusterer';
import { logSumExp, restrictLogWeightsToTopK } from './distribution';

/** c-BTM's temperature of the routing softmax (Gururangan et al. 2023, section 2.3). */
export const DEFAULT_ROUTING_TEMPERATURE = 0.1;

export interface ClusterRouter {
  clusterer: Clusterer;
  /** Per cluster: the expert it grew, or null (dropped: its weight is left out and the rest renormalised). */
  experts: readonly (string | null)[];
}

export interface ClusterRoutingOptions {
  temperature?: number; // default 0.1
  topK?: number; // experts kept; default all
}

/** The experts a router can weigh, each once, in the order of their first cluster. */
export function routedExperts(router: ClusterRouter): string[] {
  return [...new Set(router.experts.filter((e): e is string => e !== null))];
}

/** Weights over routedExperts(router) for a text: c-BTM's softmax of negative squared distances; they sum to 1. */
export function clusterRoutingWeights(
  router: ClusterRouter,
  text: string,
  options: ClusterRoutingOptions = {},
  columns?: ReadonlyMap<string, number>,
): number[] {
  const names = routedExperts(router);
  if (names.length === 0)
    throw new GroveError(
      'bad_input',
      'Cluster routing: every cluster was dropped, so there is no expert to route to. Grow experts with `grove add <folder> --discover --names ...`.',
    );
  const point = embedText(text, router.clusterer, columns ?? columnsOf(router.clusterer));
  const T = options.temperature ?? DEFAULT_ROUTING_TEMPERATURE;
  if (!(T > 0 && Number.isFinite(T)))
    throw new GroveError('bad_input', `Cluster routing: temperature is ${T}; it must be a finite number > 0 (c-BTM uses 0.1).`, {
      temperature: T,
    });
  // In log space: an expert's log-weight is the log-sum-exp of its clusters' -d^2 / T, so a text far from every
  // kept cluster still gets weights (no exp underflow to 0 / 0).
  const perExpert: number[][] = names.map(() => []);
  router.clusterer.centres.forEach((centre, c) => {
    const e = router.experts[c];
    if (e === null || e === undefined) return;
    let d2 = 0;
    for (let d = 0; d < centre.length; d++) d2 += (point[d]! - centre[d]!) ** 2;
    perExpert[names.indexOf(e)]!.push(-d2 / T);
  });
  const logWeights = Float64Array.from(perExpert, (logits) => logSumExp(logits));
  const z = logSumExp(logWeights);
  for (let j = 0; j < logWeights.length; j++) logWeights[j]! -= z;
  if (options.topK !== undefined) {
    if (!(Number.isInteger(options.topK) && options.topK >= 1))
      throw new GroveError('bad_input', `Cluster routing: top-k is ${options.topK}; give a whole number >= 1.`);
    restrictLogWeightsToTopK(logWeights, options.topK);
  }
  return [...logWeights].map(Math.exp);
}
