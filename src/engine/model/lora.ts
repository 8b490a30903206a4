// Low-rank adapters (LoRA, Hu et al. 2021) over a frozen Llama-family base: the trainable tensors of a light
// expert. A target projection W0 [out, in] gets A [r, in] and B [out, r] and computes
// y = x W0^T + (alpha / r) (x A^T) B^T, i.e. W = W0 + (alpha / r) B A: PEFT's lora_A / lora_B layout, names
// and scaling, so an adapter trained here is a PEFT adapter. Initialised as PEFT does: A Kaiming-uniform
// (a = sqrt(5), so U(-1/sqrt(in), 1/sqrt(in))), B zero, so a fresh adapter leaves the base model unchanged.
import { GroveError } from '../../shared/api/errors';
import { LoraTargetName } from '../../shared/api/schemas-forest';
import type { ModelConfig } from './config';
import { elementCount, parameterSpecs, type ParamSpec } from './names';
import { Rng } from './rng';

/** The projections an adapter may target, by the module names PEFT's target_modules uses (the API's list, in the model's order). */
export const LORA_TARGETS = LoraTargetName.options;
export type LoraTarget = (typeof LORA_TARGETS)[number];

export interface LoraConfig {
  rank: number;
  alpha: number;
  targets: readonly LoraTarget[];
}

/** Rank 16 on every projection; alpha 2r (scale 2), the usual LoRA recipe for causal-LM fine-tuning. */
export const DEFAULT_LORA: LoraConfig = { rank: 16, alpha: 32, targets: LORA_TARGETS };

/** alpha / r: the factor on every low-rank product (PEFT's `scaling`, without rsLoRA). */
export const loraScale = (lora: LoraConfig): number => lora.alpha / lora.rank;

/** One trainable factor of one projection. */
export interface LoraSpec extends ParamSpec {
  /** The projection's module path, e.g. model.layers.0.self_attn.q_proj. */
  projection: string;
  factor: 'A' | 'B';
}

/**
 * Refuses a rank, alpha or target list Grove cannot build. A rank above a projection's narrower side is
 * allowed (PEFT allows it, and an exact merge of k adapters by concatenation has the sum of their ranks).
 */
export function checkLora(lora: LoraConfig): void {
  if (!Number.isInteger(lora.rank) || lora.rank < 1)
    throw new GroveError('bad_input', `LoRA rank ${lora.rank} is not a positive integer; use a rank such as 8, 16 or 32.`);
  if (!Number.isFinite(lora.alpha) || lora.alpha <= 0)
    throw new GroveError('bad_input', `LoRA alpha ${lora.alpha} is not a positive number; use for example twice the rank.`);
  if (lora.targets.length === 0)
    throw new GroveError('bad_input', `A LoRA adapter needs at least one target projection (${LORA_TARGETS.join(', ')}).`);
  const unknown = lora.targets.filter((t) => !(LORA_TARGETS as readonly string[]).includes(t));
  if (unknown.length > 0)
    throw new GroveError('bad_input', `Unknown LoRA target ${unknown.join(', ')}; Grove adapts ${LORA_TARGETS.join(', ')}.`);
  if (new Set(lora.targets).size !== lora.targets.length)
    throw new GroveError('bad_input', `LoRA targets list a projection twice (${lora.targets.join(', ')}); name each once.`);
}

const MLP_TARGETS: readonly LoraTarget[] = ['gate_proj', 'up_proj', 'down_proj'];
const moduleOf = (target: LoraTarget): string => (MLP_TARGETS.includes(target) ? `mlp.${target}` : `self_attn.${target}`);

/** Every adapter tensor in layer order, then the model's projection order; names as PEFT's without its base_model.model. prefix. */
export function loraSpecs(config: ModelConfig, lora: LoraConfig): LoraSpec[] {
  checkLora(lora);
  const shapes = new Map(parameterSpecs(config).map((s) => [s.name, s.shape]));
  const specs: LoraSpec[] = [];
  for (let i = 0; i < config.numHiddenLayers; i++) {
    for (const target of LORA_TARGETS) {
      if (!lora.targets.includes(target)) continue;
      const projection = `model.layers.${i}.${moduleOf(target)}`;
      const [out, inp] = shapes.get(`${projection}.weight`) as [number, number];
      specs.push({ name: `${projection}.lora_A.weight`, shape: [lora.rank, inp], role: 'linear', projection, factor: 'A' });
      specs.push({ name: `${projection}.lora_B.weight`, shape: [out, lora.rank], role: 'linear', projection, factor: 'B' });
    }
  }
  return specs;
}

/** Number of adapter parameters. */
export function loraParameterCount(config: ModelConfig, lora: LoraConfig): number {
  return loraSpecs(config, lora).reduce((n, s) => n + elementCount(s.shape), 0);
}

/**
 * One factor's initial values: A ~ U(-1/sqrt(in), 1/sqrt(in)) (torch's kaiming_uniform_ with a = sqrt(5), as
 * PEFT's reset_lora_parameters), from its own seeded stream (seed, tensor name); B zero.
 */
export function initLoraFactor(spec: LoraSpec, seed: number): Float32Array {
  const out = new Float32Array(elementCount(spec.shape));
  if (spec.factor === 'B') return out;
  const bound = 1 / Math.sqrt(spec.shape[1] as number);
  const rng = new Rng(seed, spec.name);
  for (let i = 0; i < out.length; i++) out[i] = bound * (2 * rng.uniform() - 1);
  return out;
}
