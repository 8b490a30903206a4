// The quantized weights file beside a model: made once, and never trusted at another size than its layout's
// (a file cut short, or overwritten with something else, is made again rather than handed to ONNX Runtime).
import { readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readModelFolder, type ModelFolder } from '../../../src/engine/model/folder';
import { ensureQuantWeights, quantLayout } from '../../../src/engine/quant/weight-file';
import { writeTestModel } from '../../helpers/model';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
let model: ModelFolder;
beforeAll(async () => {
  await writeTestModel(join(dir, 'model'), {
    architecture: 'LlamaForCausalLM',
    vocabSize: 320,
    hiddenSize: 64,
    intermediateSize: 128,
    numHiddenLayers: 2,
    numAttentionHeads: 4,
    tieWordEmbeddings: true,
  });
  model = await readModelFolder(join(dir, 'model'));
});
afterAll(async () => model?.weights.close());

describe('ensureQuantWeights', () => {
  it('writes the file at its layout size once, and makes a truncated or overwritten one again, byte for byte', async () => {
    const path = join(dir, 'weights-q8.bin');
    const { bytes } = quantLayout(model.config, 'q8_0');
    await ensureQuantWeights(path, model.config, model.weights, 'q8_0');
    expect(statSync(path).size).toBe(bytes);
    const made = readFileSync(path);

    truncateSync(path, Math.floor(bytes / 3));
    await ensureQuantWeights(path, model.config, model.weights, 'q8_0');
    expect(readFileSync(path).equals(made)).toBe(true);

    writeFileSync(path, 'not a weights file');
    await ensureQuantWeights(path, model.config, model.weights, 'q8_0');
    expect(readFileSync(path).equals(made)).toBe(true);
  });
});
