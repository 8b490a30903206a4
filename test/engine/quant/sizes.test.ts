// The model card's sizes at each inference choice against the real thing: the quantized weights file a
// quantized open makes beside the model, plus the tensors that stay f32 (norms; a matrix whose rows are no
// whole number of 32-value blocks, here down_proj with rows of 48).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { elementCount, parameterCount, parameterSpecs } from '../../../src/engine/model/names';
import { inferenceWeightBytes } from '../../../src/engine/quant/sizes';
import { LlamaModel } from '../../../src/engine/runtime/llama-model';
import { TINY_CHAT_CONFIG } from '../../helpers/chat-forest';
import { writeTestModel } from '../../helpers/model';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();

describe('inferenceWeightBytes', () => {
  it('is f32 at 4 bytes a parameter, and quantized the file made beside the model plus what stays f32', async () => {
    const folder = join(dir, 'model');
    const config = await writeTestModel(folder, { ...TINY_CHAT_CONFIG, intermediateSize: 48 });
    const sizes = inferenceWeightBytes(config);
    expect(sizes.f32).toBe(4 * parameterCount(config));
    const staysF32 = parameterSpecs(config).filter((s) => s.shape.length === 1 || s.name.endsWith('down_proj.weight'));
    const f32Rest = 4 * staysF32.reduce((n, s) => n + elementCount(s.shape), 0);
    for (const [quant, type] of [
      ['8', 'q8_0'],
      ['4', 'q4_0'],
    ] as const) {
      const model = await LlamaModel.open(folder, { quant, threads: 1 });
      await model.close();
      const files = readdirSync(folder).filter((f) => f.startsWith(`grove-quant-${type}-`) && f.endsWith('.bin'));
      expect(files).toHaveLength(1);
      expect(sizes[quant]).toBe(statSync(join(folder, files[0]!)).size + f32Rest);
    }
    expect(sizes['4']).toBeLessThan(sizes['8']);
    expect(sizes['8']).toBeLessThan(sizes.f32);
  });
});
