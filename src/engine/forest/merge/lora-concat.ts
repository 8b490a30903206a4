// The weighted sum of light experts' adapters, exactly, as one adapter (btm.md's posterior-weighted average for
// light experts: W0 + sum_j w_j s_j B_j A_j, s_j = alpha_j / r_j): the parents' factors concatenated,
//   A = [A_1; ...; A_k]                                   [R, in]
//   B = [w_1 s_1 B_1, ..., w_k s_k B_k] / s               [out, R],   s = alpha / R
// so s B A is the weighted sum term for term. A light branch's "exact" start, and a collapse that stays light.
// Rank R = the sum of the ranks of the parents with a positive weight (one rank for every projection, as a
// PEFT adapter has: a parent that does not target a projection holds zeros in its block there). Targets = the
// union of the parents'. alpha defaults to R (scale 1: the weights and scales are all in B); a caller that will
// train the result with its usual scale passes that alpha instead (B is divided by it, the delta is the same).
import { GroveError } from '../../../shared/api/errors';
import type { ModelConfig } from '../../model/config';
import { checkLora, loraScale } from '../../model/lora';
import { adaptedProjections, normaliseAdapters, unionTargets, type LoraAdapter, type WeightedAdapter } from '../../model/lora-adapter';

export interface ConcatOptions {
  /** The result's lora_alpha (default: its rank, so scale 1). */
  alpha?: number;
}

export function concatAdapters(config: ModelConfig, parts: readonly WeightedAdapter[], options: ConcatOptions = {}): LoraAdapter {
  if (parts.length === 0)
    throw new GroveError('bad_input', 'concatenate adapters: no adapters given. Pass at least one light expert with a weight.');
  // A parent with weight 0 adds nothing to the sum: leaving it out keeps the rank down.
  const used = normaliseAdapters(config, parts).filter((p) => p.weight > 0);
  const rank = used.reduce((n, p) => n + p.adapter.lora.rank, 0);
  const lora = { rank, alpha: options.alpha ?? rank, targets: unionTargets(used.map((p) => p.adapter)) };
  checkLora(lora);
  const scale = loraScale(lora);
  const tensors = new Map<string, Float32Array>();
  for (const p of adaptedProjections(config, lora.targets)) {
    const A = new Float32Array(rank * p.in);
    const B = new Float32Array(p.out * rank);
    let k0 = 0;
    for (const x of used) {
      const r = x.adapter.lora.rank;
      if (x.adapter.lora.targets.includes(p.target)) {
        A.set(x.adapter.tensors.get(`${p.projection}.lora_A.weight`)!, k0 * p.in);
        const b = x.adapter.tensors.get(`${p.projection}.lora_B.weight`)!; // [out, r]
        const factor = (x.weight * loraScale(x.adapter.lora)) / scale;
        for (let o = 0; o < p.out; o++) for (let k = 0; k < r; k++) B[o * rank + k0 + k] = factor * b[o * r + k]!;
      }
      k0 += r;
    }
    tensors.set(`${p.projection}.lora_A.weight`, A);
    tensors.set(`${p.projection}.lora_B.weight`, B);
  }
  return { lora, tensors };
}
