// The start of a light expert branched from light parents over one base (btm.md "Branch"): their
// posterior-weighted average W0 + sum_j w_j s_j B_j A_j, either exactly (merge/lora-concat.ts: the adapters
// side by side, rank the sum of theirs) or as its best rank-r approximation per matrix (merge/lora-truncate.ts:
// truncated SVD, r the rank the person asked for). Both keep the LoRA scale the person asked for (alpha / r),
// so the two starts train at the same scale and differ only in where they start and at what rank.
// The outcome says which start was taken and, for the SVD start, how far it is from the exact average.
import type { LightStart } from '../../shared/api/schemas-forest';
import type { ModelConfig } from '../model/config';
import type { LoraAdapter, WeightedAdapter } from '../model/lora-adapter';
import { concatAdapters } from './merge/lora-concat';
import { truncateAdapterSum } from './merge/lora-truncate';

/** What a light branch from light parents started from, as the catalog keeps it and `grove show` prints it. */
export type LightStartRecord =
  | { start: 'exact'; rank: number }
  | {
      start: 'svd';
      rank: number;
      /** ||approx - exact||_F / ||exact||_F over every adapted matrix together (0: the rank sufficed). */
      relativeError: number;
    };

export interface LightStartRequest {
  start: LightStart;
  /** The rank and alpha asked for: the SVD start's rank, and both starts' scale alpha / rank. */
  rank: number;
  alpha: number;
  /** Seeds the fresh A rows of an SVD start's components the average does not have. */
  seed: number;
}

export function lightBranchStart(
  config: ModelConfig,
  parents: readonly WeightedAdapter[],
  request: LightStartRequest,
): { adapter: LoraAdapter; record: LightStartRecord } {
  const scale = request.alpha / request.rank;
  if (request.start === 'svd') {
    const t = truncateAdapterSum(config, parents, { rank: request.rank, alpha: request.alpha, seed: request.seed });
    return { adapter: t.adapter, record: { start: 'svd', rank: request.rank, relativeError: t.relativeError } };
  }
  // The exact start's rank is the sum of the ranks of the parents that weigh anything (concatAdapters drops the rest).
  const rank = parents.filter((p) => p.weight > 0).reduce((n, p) => n + p.adapter.lora.rank, 0);
  const adapter = concatAdapters(config, parents, { alpha: scale * rank });
  return { adapter, record: { start: 'exact', rank: adapter.lora.rank } };
}
