// Binds a light expert's adapter tensors (model/lora.ts) to the forward's AdapterOf: whichever graph holds
// them (train-step inputs, external-data initializers of an inference graph), the forward sees each adapted
// projection's A, B and alpha / r the same way.
import type { Value } from '../../graph';
import type { ModelConfig } from '../config';
import { loraScale, loraSpecs, type LoraConfig } from '../lora';
import type { AdapterOf } from './attention';

/** tensor(name) gives the float32 value of an adapter tensor by its spec name (model.layers.N.….lora_A.weight). */
export function adapterOf(config: ModelConfig, lora: LoraConfig, tensor: (name: string) => Value): AdapterOf {
  const scale = loraScale(lora);
  const byProjection = new Map<string, { a: Value; b: Value; scale: number }>();
  for (const s of loraSpecs(config, lora)) {
    if (s.factor !== 'A') continue;
    byProjection.set(s.projection, { a: tensor(s.name), b: tensor(`${s.projection}.lora_B.weight`), scale });
  }
  return (projection) => byProjection.get(projection);
}
