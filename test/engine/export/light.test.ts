// A light expert (a random adapter, B nonzero, over a random base) exported for other tools: as a PEFT adapter
// that reads back to the same tensors and logits; as a Hugging Face folder whose logits are the light expert's
// (base + adapter as Grove runs it) within 1e-4; as a GGUF that llama.cpp decodes to the same 32 greedy tokens
// as Grove's light expert. Progress runs through the merge, then the writing. A full model has no PEFT form; an
// adapter of another base, an ONNX f16 request and an existing destination are refused before any work, and
// the folded model's scratch folder is gone after a failure as after a success.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportModel, type LightExportBase } from '../../../src/engine/export/index';
import type { ExportProgress } from '../../../src/engine/export/progress';
import { writeAdapterFolder } from '../../../src/engine/model/adapter-folder';
import { parseModelConfig, type ModelConfigInput } from '../../../src/engine/model/config';
import type { LoraConfig } from '../../../src/engine/model/lora';
import { readPeftAdapterFor } from '../../../src/engine/model/peft-import';
import { loadAdapter } from '../../../src/engine/runtime/adapter-feeds';
import { LlamaModel } from '../../../src/engine/runtime/llama-model';
import { groveGreedy, withLlamaCpp } from '../../helpers/greedy';
import { maxAbsDiff, randomAdapter } from '../../helpers/lora';
import { writeTestModel } from '../../helpers/model';
import { tempDir } from '../../helpers/tmp';
import { writeTestTokenizer } from '../../helpers/tokenizer';

const dir = tempDir();
// GQA, untied head, a large init: varied greedy continuations, so a wrong fold would show.
const input: ModelConfigInput = {
  architecture: 'LlamaForCausalLM',
  vocabSize: 320,
  hiddenSize: 48,
  intermediateSize: 96,
  numHiddenLayers: 2,
  numAttentionHeads: 6,
  numKeyValueHeads: 2,
  initializerRange: 0.2,
  maxPositionEmbeddings: 256,
};
const config = parseModelConfig(input);
const lora: LoraConfig = { rank: 4, alpha: 8, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] };
const adapter = randomAdapter(config, lora, 3, 0.2);
const baseFolder = join(dir, 'base');
const adapterFolder = join(dir, 'law-adapter');
const base: LightExportBase = { folder: baseFolder, peft: { hubId: null, fallback: 'a1b2c3' } };
const ids = Array.from({ length: 20 }, (_, i) => (i * 53 + 7) % 320);
let tokenizerDir = '';

/** Logits of the light expert at every position: the base with the adapter fed, as Grove runs it. */
async function lightLogits(adapterAt: string): Promise<Float32Array> {
  const model = await LlamaModel.open(baseFolder, { threads: 2 });
  try {
    return await model.logits(ids, await loadAdapter(adapterAt, config));
  } finally {
    await model.close();
  }
}

async function fullLogits(folder: string): Promise<Float32Array> {
  const model = await LlamaModel.open(folder, { threads: 2 });
  try {
    return await model.logits(ids);
  } finally {
    await model.close();
  }
}

/** What an export left beside its destination: temporary names of exports (none once it has ended). */
const leftovers = (folder: string) => readdirSync(folder).filter((n) => n.includes('grove-export'));

beforeAll(async () => {
  const tokenizer = await writeTestTokenizer(dir, 320);
  tokenizerDir = join(dir, 'tokenizer');
  await writeTestModel(baseFolder, input, { seed: 5, tokenizer });
  await writeAdapterFolder(adapterFolder, { config, lora, baseModel: 'a1b2c3', tensors: adapter.tensors });
});

describe('export of a light expert', { timeout: 180_000 }, () => {
  it('as a PEFT adapter: the same tensors, settings and logits back, naming its base', async () => {
    const out = join(dir, 'law-peft');
    const r = await exportModel({
      folder: adapterFolder,
      light: { ...base, peft: { hubId: 'HuggingFaceTB/SmolLM2-135M', fallback: 'a1b2c3' } },
      format: 'peft',
      out,
      name: 'law',
    });
    expect(r).toMatchObject({ format: 'peft', dtype: 'f32', baseModel: 'HuggingFaceTB/SmolLM2-135M' });
    const back = await readPeftAdapterFor(out, config, 'the base');
    expect(back.lora).toEqual(lora);
    expect(back.baseModel).toBe('HuggingFaceTB/SmolLM2-135M');
    for (const [name, data] of adapter.tensors) expect(back.tensors.get(name), name).toEqual(data);
    expect(maxAbsDiff(await lightLogits(out), await lightLogits(adapterFolder))).toBe(0);
    // Without a Hub id, the base is named by its store address.
    expect(
      (await exportModel({ folder: adapterFolder, light: base, format: 'peft', out: join(dir, 'law-peft-2'), dtype: 'f16' })).baseModel,
    ).toBe('a1b2c3');
  });

  it('as a Hugging Face folder: its base with the adapter folded in, the light expert’s logits within 1e-4', async () => {
    const out = join(dir, 'law-hf');
    const progress: ExportProgress[] = [];
    const r = await exportModel({
      folder: adapterFolder,
      light: base,
      format: 'hf',
      out,
      tokenizerDir,
      name: 'law',
      onProgress: (p) => progress.push(p),
    });
    expect(r).toMatchObject({ format: 'hf', merged: true });
    expect(readdirSync(out).sort()).toEqual(expect.arrayContaining(['config.json', 'model.safetensors', 'tokenizer.json']));
    const light = await lightLogits(adapterFolder);
    const diff = maxAbsDiff(await fullLogits(out), light);
    console.log(`hf export of a light expert: max |logit difference| ${diff.toExponential(2)}`);
    expect(diff).toBeLessThanOrEqual(1e-4);
    // The adapter changes the model: the export is not its base.
    expect(maxAbsDiff(await fullLogits(baseFolder), light)).toBeGreaterThan(1e-2);

    // The merge's half, then the writing's; never backwards; done at the end.
    const phases = progress.map((p) => p.phase);
    expect(phases[0]).toBe('merge');
    expect(phases.at(-1)).toBe('write');
    expect(phases.lastIndexOf('merge')).toBeLessThan(phases.indexOf('write'));
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.done).toBeGreaterThanOrEqual(progress[i - 1]!.done);
    expect(progress.at(-1)!.done).toBe(progress.at(-1)!.total);
    expect(new Set(progress.map((p) => p.total)).size).toBe(1);
    expect(leftovers(dir)).toEqual([]);
  });

  it('as GGUF: llama.cpp decodes the same 32 greedy tokens as Grove’s light expert', async () => {
    const gguf = join(dir, 'law.gguf');
    await exportModel({ folder: adapterFolder, light: base, format: 'gguf', out: gguf, tokenizerDir, name: 'law' });
    const prompt = ids.slice(0, 8);
    const grove = await groveGreedy(baseFolder, prompt, 32, await loadAdapter(adapterFolder, config));
    expect(new Set(grove).size).toBeGreaterThan(3); // a varied continuation, not one token repeated
    expect(grove).not.toEqual(await groveGreedy(baseFolder, prompt, 32)); // and not the base's
    expect(await withLlamaCpp(gguf, (runner) => runner.greedy(prompt, 32))).toEqual(grove);
  });

  it('refuses a PEFT export of a full model, another base’s adapter, ONNX f16 and an existing destination, before any work', async () => {
    const refusals = join(dir, 'refusals');
    mkdirSync(refusals);
    await expect(exportModel({ folder: baseFolder, format: 'peft', out: join(refusals, 'base-peft'), name: 'seed' })).rejects.toThrow(
      /"seed" is a full model: the peft format writes a light expert's adapter .*Export it as hf, gguf or onnx/,
    );
    const other = join(dir, 'other-base');
    await writeTestModel(other, { ...input, intermediateSize: 64 });
    for (const format of ['peft', 'hf'] as const) {
      await expect(
        exportModel({
          folder: adapterFolder,
          light: { ...base, folder: other },
          format,
          out: join(refusals, `other-${format}`),
          tokenizerDir,
        }),
      ).rejects.toThrow(
        /gate_proj output width \(intermediate_size\) is 96, the base's is 64\. The adapter was trained on another base than the base of/,
      );
    }
    await expect(
      exportModel({ folder: adapterFolder, light: base, format: 'onnx', dtype: 'f16', out: join(refusals, 'law-onnx'), tokenizerDir }),
    ).rejects.toThrow(/ONNX export writes f32 weights only/);
    mkdirSync(join(refusals, 'taken'));
    await expect(
      exportModel({ folder: adapterFolder, light: base, format: 'gguf', out: join(refusals, 'taken'), tokenizerDir }),
    ).rejects.toThrow(/exists already; choose another output path or pass --force/);
    expect(readdirSync(refusals)).toEqual(['taken']);
  });

  it('removes the folded model when the writing fails after the merge (no tokenizer anywhere)', async () => {
    const bare = join(dir, 'bare-base');
    await writeTestModel(bare, input, { seed: 5 });
    const out = join(dir, 'no-tokenizer-hf');
    await expect(exportModel({ folder: adapterFolder, light: { ...base, folder: bare }, format: 'hf', out })).rejects.toThrow(
      /no tokenizer\.json beside the model/,
    );
    expect(existsSync(out)).toBe(false);
    expect(leftovers(dir)).toEqual([]);
  });
});
