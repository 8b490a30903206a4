// A model folder holding the f32 values a quantized model stands for (each matrix of quant/plan.ts replaced
// by its dequantized blocks): the reference that a Q8_0/Q4_0 GGUF in llama.cpp and Grove's own 8-/4-bit graphs
// must agree with up to their arithmetic alone, so that the quantization error itself is not in the margin.
import { mkdirSync } from 'node:fs';
import { readModelFolder, writeModelFolder } from '../../src/engine/model/folder';
import { parameterSpecs } from '../../src/engine/model/names';
import { dequantizeBlocks, quantizeBlocks } from '../../src/engine/quant/blocks';
import { quantBits, quantTypeOf, type QuantType } from '../../src/engine/quant/plan';

export async function writeDequantizedModel(folder: string, out: string, type: QuantType): Promise<void> {
  const { config, weights } = await readModelFolder(folder);
  try {
    const tensors = [];
    for (const spec of parameterSpecs(config)) {
      const values = await weights.readFloat32(spec.name);
      const t = quantTypeOf(config, spec.name, spec.shape, type);
      const data = t ? dequantizeBlocks(quantizeBlocks(values, spec.shape[0]!, spec.shape[1]!, quantBits(t))) : values;
      tensors.push({ name: spec.name, shape: spec.shape, data });
    }
    mkdirSync(out, { recursive: true });
    await writeModelFolder(out, { config, tensors });
  } finally {
    await weights.close();
  }
}
