// Initial weights as Hugging Face's LlamaPreTrainedModel._init_weights makes them: linear and embedding
// weights ~ normal(0, initializer_range), biases 0, RMSNorm weights 1. Seeded and portable (see rng.ts).
import type { ModelConfig } from './config';
import { elementCount, parameterSpecs, type ParamSpec } from './names';
import { Rng } from './rng';

/**
 * One parameter's initial values. Each tensor draws from its own stream (seed, tensor name), so a
 * tensor's values do not depend on which other tensors exist or in which order they are made, and a
 * large model can be initialised and written one tensor at a time.
 */
export function initParameter(config: ModelConfig, spec: ParamSpec, seed: number): Float32Array {
  const out = new Float32Array(elementCount(spec.shape));
  switch (spec.role) {
    case 'embedding':
    case 'linear':
      return new Rng(seed, spec.name).fillNormal(out, 0, config.initializerRange);
    case 'norm':
      return out.fill(1);
    case 'bias':
      return out; // zeros
  }
}

/** Every parameter in HF order, made lazily (one tensor in memory at a time if the caller streams). */
export function* initParameters(config: ModelConfig, seed: number): Generator<{ spec: ParamSpec; data: Float32Array }> {
  for (const spec of parameterSpecs(config)) yield { spec, data: initParameter(config, spec, seed) };
}
