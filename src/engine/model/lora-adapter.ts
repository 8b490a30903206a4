// A light expert's adapter in memory (its LoRA settings and its A and B tensors by Grove name), and what every
// operation on several of them needs: the check that an adapter fits a base, the weights normalised as BTM's
// averages are, the union of their targets, and one projection's weighted delta as stacked factors
//   D = sum_j w_j s_j B_j A_j = [w_1 s_1 B_1, ..., w_k s_k B_k] [A_1; ...; A_k]      (s_j = alpha_j / r_j)
// so that branch and collapse never form an [out, in] matrix they do not have to.
import { GroveError } from '../../shared/api/errors';
import { normaliseWeights } from './average';
import type { ModelConfig } from './config';
import { assertFinite } from './finite';
import { LORA_TARGETS, loraScale, loraSpecs, type LoraConfig, type LoraTarget } from './lora';
import { elementCount } from './names';

/** An adapter's settings and values: tensors under Grove's names (model.layers.0.self_attn.q_proj.lora_A.weight). */
export interface LoraAdapter {
  lora: LoraConfig;
  tensors: ReadonlyMap<string, Float32Array>;
}

/** One parent of a weighted sum: its adapter, its weight (any scale: they are normalised), and a name for errors. */
export interface WeightedAdapter {
  adapter: LoraAdapter;
  weight: number;
  label?: string;
}

/** The same parent with its weight normalised (weights sum to 1). */
export interface NormalisedAdapter {
  adapter: LoraAdapter;
  weight: number;
  label: string;
}

/** One adapted projection of the base: module path (model.layers.0.self_attn.q_proj), target, W0's [out, in]. */
export interface AdaptedProjection {
  projection: string;
  target: LoraTarget;
  out: number;
  in: number;
}

/**
 * Refuses an adapter that does not fit `config`: a tensor missing, of another size, left over (a tensor the
 * settings do not imply would be silently dropped), or not finite.
 */
export function checkAdapter(config: ModelConfig, adapter: LoraAdapter, label: string): void {
  const specs = loraSpecs(config, adapter.lora);
  for (const s of specs) {
    const data = adapter.tensors.get(s.name);
    if (!data)
      throw new GroveError(
        'bad_input',
        `${label}: adapter tensor ${s.name} is missing, though its settings target ${s.projection}. The adapter is incomplete or for another base.`,
        { tensor: s.name },
      );
    if (data.length !== elementCount(s.shape)) {
      throw new GroveError(
        'bad_input',
        `${label}: adapter tensor ${s.name} holds ${data.length} values, but rank ${adapter.lora.rank} on this base needs [${s.shape.join(', ')}]. The adapter was trained on another base or with another rank.`,
        { tensor: s.name },
      );
    }
    assertFinite(data, s.name, label);
  }
  if (adapter.tensors.size !== specs.length) {
    const expected = new Set(specs.map((s) => s.name));
    const extra = [...adapter.tensors.keys()].filter((n) => !expected.has(n));
    throw new GroveError(
      'bad_input',
      `${label}: the adapter holds tensor${extra.length === 1 ? '' : 's'} ${extra.slice(0, 3).join(', ')}${extra.length > 3 ? ` and ${extra.length - 3} more` : ''} that its settings (targets ${adapter.lora.targets.join(', ')}) do not use on this base. The adapter is for another base or its settings are wrong.`,
      { tensors: extra.slice(0, 20) },
    );
  }
}

/** Checks every parent against `config` and normalises their weights (finite, >= 0, not all 0; sum 1). */
export function normaliseAdapters(config: ModelConfig, parts: readonly WeightedAdapter[]): NormalisedAdapter[] {
  const weights = normaliseWeights(parts.map((p) => p.weight));
  return parts.map((p, j) => {
    const label = p.label ?? `adapter ${j + 1}`;
    checkAdapter(config, p.adapter, label);
    return { adapter: p.adapter, weight: weights[j]!, label };
  });
}

/** Every target any parent adapts, in Grove's projection order. */
export function unionTargets(adapters: readonly LoraAdapter[]): LoraTarget[] {
  return LORA_TARGETS.filter((t) => adapters.some((a) => a.lora.targets.includes(t)));
}

/** The projections `targets` adapt on `config`, in loraSpecs' order (layer by layer), with W0's shape. */
export function adaptedProjections(config: ModelConfig, targets: readonly LoraTarget[]): AdaptedProjection[] {
  const specs = loraSpecs(config, { rank: 1, alpha: 1, targets });
  const out: AdaptedProjection[] = [];
  for (let i = 0; i < specs.length; i += 2) {
    const a = specs[i]!;
    const b = specs[i + 1]!;
    const target = a.projection.slice(a.projection.lastIndexOf('.') + 1) as LoraTarget;
    out.push({ projection: a.projection, target, out: b.shape[0]!, in: a.shape[1]! });
  }
  return out;
}

/** One projection's weighted delta D = B A as stacked factors, float64, row-major. */
export interface StackedFactors {
  /** [out, R]: parent j's block is w_j s_j B_j. */
  B: Float64Array;
  /** [R, in]: parent j's block is A_j. */
  A: Float64Array;
  /** R: the sum of the ranks of the parents that adapt this projection. */
  rank: number;
}

/** Stacks the factors of the parents that adapt `p` (a parent without its target contributes nothing). */
export function stackedFactors(parts: readonly NormalisedAdapter[], p: AdaptedProjection): StackedFactors {
  const contributing = parts.filter((x) => x.weight > 0 && x.adapter.lora.targets.includes(p.target));
  const R = contributing.reduce((n, x) => n + x.adapter.lora.rank, 0);
  const B = new Float64Array(p.out * R);
  const A = new Float64Array(R * p.in);
  let k0 = 0;
  for (const x of contributing) {
    const r = x.adapter.lora.rank;
    const factor = x.weight * loraScale(x.adapter.lora);
    const a = x.adapter.tensors.get(`${p.projection}.lora_A.weight`)!; // [r, in]
    const b = x.adapter.tensors.get(`${p.projection}.lora_B.weight`)!; // [out, r]
    A.set(a, k0 * p.in);
    for (let o = 0; o < p.out; o++) for (let k = 0; k < r; k++) B[o * R + k0 + k] = factor * b[o * r + k]!;
    k0 += r;
  }
  return { B, A, rank: R };
}
