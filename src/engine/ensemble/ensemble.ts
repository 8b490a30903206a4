// The ensemble of experts at inference (btm.md "Use the forest"): every expert scores the same windows,
// and each token's probability is the posterior-weighted mixture sum_j p_j(x_t | x_<t) P(D=j | x_<t),
// computed in log space by the forest's posterior (src/engine/forest/posterior.ts).
import { GroveError } from '../../shared/api/errors';
import { readManifest, splitShards } from '../corpus/manifest';
import type { Split } from '../corpus/types';
import type { WindowScorer } from '../eval/perplexity';
import { ensembleLogProbs, type PosteriorSettings } from '../forest/posterior';
import { CachedPriorEstimator } from '../forest/prior';
import { TokenWindows, type ShardFile } from '../train/windows';

export class Ensemble implements WindowScorer {
  constructor(
    readonly experts: readonly WindowScorer[],
    readonly prior: readonly number[],
    readonly posterior: PosteriorSettings,
  ) {
    if (experts.length === 0) throw new GroveError('bad_input', 'An ensemble needs at least one expert.');
    if (prior.length !== experts.length)
      throw new GroveError('bad_input', `The prior has ${prior.length} weights for ${experts.length} experts.`);
  }

  /** Each expert's log-probabilities of the targets: k arrays of [B*T]. */
  async expertLogProbs(inputs: ArrayLike<number>, targets: ArrayLike<number>, batch: number): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (const e of this.experts) out.push(await e.score(inputs, targets, batch)); // sequential: each already uses every thread
    return out;
  }

  async score(inputs: ArrayLike<number>, targets: ArrayLike<number>, batch: number): Promise<Float32Array> {
    const T = inputs.length / batch;
    const perExpert = await this.expertLogProbs(inputs, targets, batch);
    const mixed = new Float32Array(batch * T);
    for (let b = 0; b < batch; b++) {
      const window = perExpert.map((lp) => lp.subarray(b * T, (b + 1) * T));
      mixed.set(ensembleLogProbs(window, this.prior, this.posterior), b * T);
    }
    return mixed;
  }
}

export interface PriorEstimateOptions {
  split?: Split;
  contextLength: number;
  batchSize: number;
  sequences?: number;
  alpha?: number;
  posterior?: PosteriorSettings;
  seed?: number;
}

/** The cached prior of a domain: the ensemble over N held-out windows of it, EMA-smoothed per batch. */
export async function estimateCachedPrior(
  experts: readonly WindowScorer[],
  domainDir: string,
  o: PriorEstimateOptions,
): Promise<{ prior: number[]; sequences: number }> {
  const manifest = await readManifest(domainDir);
  return estimateCachedPriorOn(experts, splitShards(domainDir, manifest, o.split ?? 'valid'), o);
}

/** The cached prior on any token shards (the valid splits of several domains: the mix; an ingested folder). */
export async function estimateCachedPriorOn(
  experts: readonly WindowScorer[],
  files: readonly ShardFile[],
  o: Omit<PriorEstimateOptions, 'split'>,
): Promise<{ prior: number[]; sequences: number }> {
  const windows = new TokenWindows(files, o.contextLength, o.seed ?? 7);
  const estimator = new CachedPriorEstimator(experts.length, {
    ...(o.sequences ? { sequences: o.sequences } : {}),
    ...(o.alpha !== undefined ? { alpha: o.alpha } : {}),
    ...(o.posterior ? { posterior: o.posterior } : {}),
  });
  const ensemble = new Ensemble(experts, estimator.prior, o.posterior ?? { kind: 'context', window: Infinity });
  try {
    for (let step = 0; !estimator.frozen; step++) {
      const { inputs, targets } = windows.batch(step, o.batchSize);
      const perExpert = await ensemble.expertLogProbs(inputs, targets, o.batchSize);
      const T = o.contextLength;
      const sequences = Array.from({ length: o.batchSize }, (_, b) => perExpert.map((lp) => lp.subarray(b * T, (b + 1) * T)));
      estimator.addBatch(sequences);
    }
  } finally {
    windows.close();
  }
  return { prior: estimator.prior, sequences: estimator.sequences };
}
