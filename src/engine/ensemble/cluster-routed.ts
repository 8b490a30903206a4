// The forest scored with c-BTM routing instead of the domain posterior (Gururangan et al. 2023): each token's
// probability is sum_j w_j(x_<t) p_j(x_t | x_<t), where w(x_<t) are the cluster-routing weights of the text that
// precedes the token in its window (forest/cluster-routing.ts: its TF-IDF/SVD point against the cluster centres).
// No expert's likelihood enters the weights, and the token being predicted never does. The first token of a
// window is routed by its one-token context, as a reply's first token is routed by the prompt.
import { GroveError } from '../../shared/api/errors';
import { columnsOf } from '../corpus/discover/clusterer';
import type { WindowScorer } from '../eval/perplexity';
import { clusterRoutingWeights, routedExperts, type ClusterRouter, type ClusterRoutingOptions } from '../forest/cluster-routing';
import { logSumExp } from '../forest/distribution';

export interface RoutedExpert {
  /** The expert's name, as the router names it. */
  name: string;
  scorer: WindowScorer;
}

export class ClusterRoutedEnsemble implements WindowScorer {
  private readonly order: number[]; // for each routed expert (router order), its index in `experts`
  private readonly columns: Map<string, number>;

  constructor(
    readonly experts: readonly RoutedExpert[],
    readonly router: ClusterRouter,
    /** Token ids to text, with the tokenizer the experts share (what the router embeds). */
    readonly decode: (ids: ArrayLike<number>) => string,
    readonly options: ClusterRoutingOptions = {},
  ) {
    const names = routedExperts(router);
    this.order = names.map((n) => experts.findIndex((e) => e.name === n));
    const missing = names.filter((_, j) => this.order[j]! < 0);
    if (missing.length > 0 || experts.length !== names.length) {
      throw new GroveError(
        'bad_input',
        `Cluster routing: the router's experts (${names.join(', ')}) are not the experts given (${experts.map((e) => e.name).join(', ')}).`,
      );
    }
    this.columns = columnsOf(router.clusterer);
  }

  /** The routing weights, in the order of `experts`, for the text of `context` (token ids). */
  weightsFor(context: ArrayLike<number>): number[] {
    const routed = clusterRoutingWeights(this.router, this.decode(context), this.options, this.columns);
    const out = new Array<number>(this.experts.length).fill(0);
    routed.forEach((w, j) => (out[this.order[j]!] = w));
    return out;
  }

  async score(inputs: ArrayLike<number>, targets: ArrayLike<number>, batch: number): Promise<Float32Array> {
    const T = inputs.length / batch;
    const perExpert: Float32Array[] = [];
    for (const e of this.experts) perExpert.push(await e.scorer.score(inputs, targets, batch));
    const ids = Int32Array.from(inputs);
    const mixed = new Float32Array(batch * T);
    const terms = new Float64Array(this.experts.length);
    for (let b = 0; b < batch; b++) {
      for (let t = 0; t < T; t++) {
        // inputs[b, 0..t] is the context of targets[b, t].
        const w = this.weightsFor(ids.subarray(b * T, b * T + t + 1));
        for (let j = 0; j < terms.length; j++) terms[j] = w[j]! > 0 ? Math.log(w[j]!) + perExpert[j]![b * T + t]! : -Infinity;
        mixed[b * T + t] = logSumExp(terms);
      }
    }
    return mixed;
  }
}
