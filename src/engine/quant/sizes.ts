// The bytes of weights a model runs with at each inference choice (f32, 8-bit, 4-bit), for the app's model
// card and the CLI: in f32 every parameter at 4 bytes; quantized, the quantized weights file beside the model
// (quantLayout: the blocks, their scales and any dequantized embedding rows the graph gathers) plus the
// parameters that stay f32 (norms, biases, matrices whose rows are no whole number of blocks), which the graph
// still reads from the safetensors. A pure function of the config: nothing is read or quantized to say it.
import type { QuantSizes } from '../../shared/api/quant';
import type { ModelConfig } from '../model/config';
import { elementCount, parameterCount, parameterSpecs } from '../model/names';
import { quantTypeOf, type QuantType } from './plan';
import { quantLayout } from './weight-file';

const F32_BYTES = 4;

function quantizedBytes(config: ModelConfig, type: QuantType): number {
  const staysF32 = parameterSpecs(config).filter((s) => quantTypeOf(config, s.name, s.shape, type) === null);
  return quantLayout(config, type).bytes + F32_BYTES * staysF32.reduce((n, s) => n + elementCount(s.shape), 0);
}

export function inferenceWeightBytes(config: ModelConfig): QuantSizes {
  return { f32: F32_BYTES * parameterCount(config), '8': quantizedBytes(config, 'q8_0'), '4': quantizedBytes(config, 'q4_0') };
}
