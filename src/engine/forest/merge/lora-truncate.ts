// The weighted sum of light experts' adapters approximated at a chosen rank: per projection, the best rank-r
// approximation (truncated SVD, model/low-rank.ts) of D = sum_j w_j s_j B_j A_j, computed from the stacked
// factors without forming D where the stack is the narrow side. A light branch's rank-r start (btm.md), the
// alternative to the exact concatenation (lora-concat.ts), whose rank grows with every parent.
// Result: rank r, targets the union of the parents', alpha (default r, scale 1) as given; per projection
// B = Q_B U_r sqrt(S_r) / s and A = sqrt(S_r) V_r^T Q_A^T, so s B A = D_r. A component the delta does not have
// (singular value 0, or r above the rank of D) would leave a row of A and a column of B both zero, and such a
// direction never trains (each factor's gradient is the other's): there A gets PEFT's fresh initialisation
// (initLoraFactor, seeded) and B stays zero, which adds nothing to the delta and trains like a new adapter.
import { GroveError } from '../../../shared/api/errors';
import type { ModelConfig } from '../../model/config';
import { checkLora, initLoraFactor, loraScale } from '../../model/lora';
import {
  adaptedProjections,
  normaliseAdapters,
  stackedFactors,
  unionTargets,
  type LoraAdapter,
  type WeightedAdapter,
} from '../../model/lora-adapter';
import { truncateProduct } from '../../model/low-rank';

export interface TruncateOptions {
  /** The result's rank r. */
  rank: number;
  /** The result's lora_alpha (default r, so scale 1). */
  alpha?: number;
  /** Seed of the fresh A rows of components the delta does not have (default 0). */
  seed?: number;
}

export interface ProjectionTruncation {
  projection: string;
  /** ||D - D_r||_F / ||D||_F (0 where D = 0). */
  relativeError: number;
  /** ||D||_F. */
  norm: number;
}

export interface TruncatedAdapterSum {
  adapter: LoraAdapter;
  projections: ProjectionTruncation[];
  /** Over every projection together: sqrt(sum ||D - D_r||_F^2 / sum ||D||_F^2). */
  relativeError: number;
}

/** Singular values at or below this fraction of the largest are treated as absent (roundoff of a zero). */
const ABSENT = 1e-12;

export function truncateAdapterSum(config: ModelConfig, parts: readonly WeightedAdapter[], options: TruncateOptions): TruncatedAdapterSum {
  if (parts.length === 0)
    throw new GroveError('bad_input', 'truncate adapters: no adapters given. Pass at least one light expert with a weight.');
  const used = normaliseAdapters(config, parts).filter((p) => p.weight > 0);
  const lora = { rank: options.rank, alpha: options.alpha ?? options.rank, targets: unionTargets(used.map((p) => p.adapter)) };
  checkLora(lora);
  const r = lora.rank;
  const scale = loraScale(lora);
  const tensors = new Map<string, Float32Array>();
  const projections: ProjectionTruncation[] = [];
  let dropped = 0;
  let total = 0;
  for (const p of adaptedProjections(config, lora.targets)) {
    const stacked = stackedFactors(used, p);
    const t = truncateProduct(stacked.B, stacked.A, { out: p.out, inner: stacked.rank, in: p.in }, r);
    const aName = `${p.projection}.lora_A.weight`;
    const bName = `${p.projection}.lora_B.weight`;
    const A = Float32Array.from(t.A);
    const B = new Float32Array(p.out * r);
    for (let i = 0; i < B.length; i++) B[i] = t.B[i]! / scale;
    const largest = t.singularValues[0] ?? 0;
    let fresh: Float32Array | null = null;
    for (let i = 0; i < r; i++) {
      if ((t.singularValues[i] ?? 0) > ABSENT * largest && largest > 0) continue;
      fresh ??= initLoraFactor({ name: aName, shape: [r, p.in], role: 'linear', projection: p.projection, factor: 'A' }, options.seed ?? 0);
      A.set(fresh.subarray(i * p.in, (i + 1) * p.in), i * p.in);
      for (let o = 0; o < p.out; o++) B[o * r + i] = 0;
    }
    tensors.set(aName, A);
    tensors.set(bName, B);
    const norm2 = t.singularValues.reduce((s, x) => s + x * x, 0);
    total += norm2;
    dropped += t.relativeError ** 2 * norm2;
    projections.push({ projection: p.projection, relativeError: t.relativeError, norm: Math.sqrt(norm2) });
  }
  return { adapter: { lora, tensors }, projections, relativeError: total === 0 ? 0 : Math.sqrt(dropped / total) };
}
