// Light experts merged into their base as one full model: every adapted projection of the written folder equals
// W0 + sum_j w_j s_j B_j A_j formed densely here (read in chunks that cross row borders), every other tensor
// the base's bit for bit; the merged model's logits, by the independent PyTorch reference, equal the
// reference's own base + adapter (which merges W0 + (alpha / r) B A itself) within 1e-4, for one adapter and
// for three (as their exact concatenation); the merged folder exports as any full model: its HF export gives
// the same reference logits and its GGUF decodes in llama.cpp as the merged folder does in Grove. Adapters
// that do not fit the base and NaN or overflowing values are refused, and nothing is left at the destination.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openLlamaCpp } from '../../../../src/bench/llama-cpp';
import { exportModel } from '../../../../src/engine/export/index';
import { concatAdapters } from '../../../../src/engine/forest/merge/lora-concat';
import { mergeAdaptersIntoBase } from '../../../../src/engine/forest/merge/lora-into-base';
import { writeAdapterFolder } from '../../../../src/engine/model/adapter-folder';
import { parseModelConfig, type ModelConfigInput } from '../../../../src/engine/model/config';
import { readModelFolder, writeModelFolder } from '../../../../src/engine/model/folder';
import { argmax } from '../../../../src/engine/generate/sampling';
import type { LoraConfig } from '../../../../src/engine/model/lora';
import { adaptedProjections, type LoraAdapter } from '../../../../src/engine/model/lora-adapter';
import { parameterSpecs } from '../../../../src/engine/model/names';
import { SafetensorsFile } from '../../../../src/engine/model/safetensors';
import { LlamaModel } from '../../../../src/engine/runtime/llama-model';
import { repoRoot } from '../../../helpers/grove-process';
import { denseDelta, randomAdapter, relativeMaxDiff } from '../../../helpers/lora';
import { writeTestModel } from '../../../helpers/model';
import { tempDir } from '../../../helpers/tmp';
import { writeTestTokenizer } from '../../../helpers/tokenizer';
import { PYTHON, torchFor } from '../../../helpers/torch';

const torchAvailable = torchFor('merge of adapters into the base against torch');

const dir = tempDir();
const input: ModelConfigInput = {
  architecture: 'Qwen2ForCausalLM',
  qkvBias: true,
  vocabSize: 300,
  hiddenSize: 32,
  intermediateSize: 64,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
  initializerRange: 0.2,
  maxPositionEmbeddings: 256,
};
const config = parseModelConfig(input);
const all: LoraConfig = { rank: 4, alpha: 8, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] };
const parents = [
  { adapter: randomAdapter(config, all, 1), weight: 5, label: 'a' },
  { adapter: randomAdapter(config, { rank: 3, alpha: 5, targets: ['q_proj', 'v_proj', 'up_proj'] }, 2), weight: 3, label: 'b' },
  { adapter: randomAdapter(config, { rank: 2, alpha: 16, targets: ['o_proj', 'down_proj'] }, 3, 0.2), weight: 2, label: 'c' },
];
const base = join(dir, 'base');
const IDS = [3, 17, 250, 9, 41, 120, 7, 299, 64, 5, 11];

beforeAll(async () => {
  const tokenizer = await writeTestTokenizer(dir, 300);
  await writeTestModel(base, input, { seed: 4, tokenizer });
  writeFileSync(join(dir, 'ids.json'), JSON.stringify({ input_ids: [IDS] }));
});

/** Logits [1, T, V] of the PyTorch reference on `folder`, with the PEFT adapter folder `adapter` if given. */
async function referenceLogits(folder: string, name: string, adapter?: string): Promise<Float32Array> {
  const out = join(dir, `${name}-golden.safetensors`);
  execFileSync(
    PYTHON,
    [
      join(repoRoot, 'test/golden/llama_ref.py'),
      '--model',
      folder,
      '--tokens',
      join(dir, 'ids.json'),
      '--out',
      out,
      '--dtype',
      'float32',
      ...(adapter ? ['--adapter', adapter] : []),
    ],
    { stdio: 'ignore' },
  );
  const golden = await SafetensorsFile.open(out);
  try {
    return await golden.readFloat32('logits');
  } finally {
    await golden.close();
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

async function writeAdapter(name: string, adapter: LoraAdapter): Promise<string> {
  const folder = join(dir, name);
  await writeAdapterFolder(folder, { config, lora: adapter.lora, baseModel: 'test-base', tensors: adapter.tensors });
  return folder;
}

describe('merge of light experts into their base', () => {
  it('adapted projections = W0 + the dense weighted delta; everything else the base bit for bit', async () => {
    const out = join(dir, 'merged-tensors');
    const progress: { tensor: string; done: number; total: number }[] = [];
    const result = await mergeAdaptersIntoBase({
      baseFolder: base,
      parts: parents,
      outFolder: out,
      chunkElements: 100,
      onProgress: (p) => progress.push(p),
    });
    expect(result.adaptedProjections).toBe(14);
    expect(progress.map((p) => p.tensor)).toEqual([...parameterSpecs(config).map((s) => s.name), '']);
    expect(progress.at(-1)!.done).toBe(progress.at(-1)!.total);
    expect(progress.every((p, i) => i === 0 || p.done > progress[i - 1]!.done)).toBe(true);
    const merged = await readModelFolder(out);
    const source = await readModelFolder(base);
    try {
      expect(merged.config).toEqual(source.config);
      const adapted = new Map(adaptedProjections(config, all.targets).map((p) => [`${p.projection}.weight`, p]));
      for (const spec of parameterSpecs(config)) {
        const w = await merged.weights.readFloat32(spec.name);
        const w0 = await source.weights.readFloat32(spec.name);
        const p = adapted.get(spec.name);
        if (!p) {
          expect(w, spec.name).toEqual(w0);
          continue;
        }
        const D = denseDelta(parents, p.projection, p.out, p.in);
        expect(
          relativeMaxDiff(
            w,
            D.map((d, i) => w0[i]! + d),
          ),
          spec.name,
        ).toBeLessThan(1e-6);
      }
    } finally {
      await merged.weights.close();
      await source.weights.close();
    }
  });

  it.skipIf(!torchAvailable)(
    'logits of the merged model = the reference base + adapter (one adapter, and three as their concatenation)',
    async () => {
      const baseLogits = await referenceLogits(base, 'base');
      // One adapter, weight 1: the reference merges W0 + (alpha / r) B A itself.
      const one = join(dir, 'merged-one');
      await mergeAdaptersIntoBase({ baseFolder: base, parts: [{ adapter: parents[0]!.adapter, weight: 1 }], outFolder: one });
      const expectedOne = await referenceLogits(base, 'base-a', await writeAdapter('adapter-a', parents[0]!.adapter));
      expect(maxAbsDiff(expectedOne, baseLogits)).toBeGreaterThan(0.05); // the adapter matters, so 1e-4 tests the delta
      const diffOne = maxAbsDiff(await referenceLogits(one, 'merged-one'), expectedOne);
      expect(diffOne).toBeLessThanOrEqual(1e-4);
      // Three adapters, weights 5:3:2.
      const three = join(dir, 'merged-three');
      await mergeAdaptersIntoBase({ baseFolder: base, parts: parents, outFolder: three });
      const expectedThree = await referenceLogits(base, 'base-abc', await writeAdapter('adapter-abc', concatAdapters(config, parents)));
      expect(maxAbsDiff(expectedThree, expectedOne)).toBeGreaterThan(0.05);
      const diffThree = maxAbsDiff(await referenceLogits(three, 'merged-three'), expectedThree);
      expect(diffThree).toBeLessThanOrEqual(1e-4);
      console.log(
        `merged vs reference base + adapter, max |logit difference|: one adapter ${diffOne.toExponential(2)}, three ${diffThree.toExponential(2)}`,
      );
    },
  );

  it.skipIf(!torchAvailable)(
    'the merged folder exports as a full model: HF (reference logits) and GGUF (llama.cpp decodes as Grove)',
    { timeout: 120_000 },
    async () => {
      const merged = join(dir, 'merged-export');
      await mergeAdaptersIntoBase({ baseFolder: base, parts: parents.slice(0, 2), outFolder: merged });
      const expected = await referenceLogits(
        base,
        'base-ab',
        await writeAdapter('adapter-ab', concatAdapters(config, parents.slice(0, 2))),
      );
      // The merged folder has no tokenizer of its own: the export takes the base's (a forest's tokenizer folder).
      const hf = join(dir, 'merged-hf');
      await exportModel({ folder: merged, format: 'hf', out: hf, tokenizerDir: base });
      expect(maxAbsDiff(await referenceLogits(hf, 'merged-hf'), expected)).toBeLessThanOrEqual(1e-4);

      const gguf = join(dir, 'merged.gguf');
      await exportModel({ folder: merged, format: 'gguf', out: gguf, tokenizerDir: base });
      const model = await LlamaModel.open(merged, { threads: 1 });
      const grove: number[] = [];
      try {
        const decoder = model.decoder();
        let logits = await decoder.prefill(IDS);
        for (let i = 0; i < 16; i++) {
          grove.push(argmax(logits));
          if (i < 15) logits = await decoder.step(grove.at(-1)!);
        }
      } finally {
        await model.close();
      }
      expect(new Set(grove).size).toBeGreaterThan(3); // a varied continuation, not one token repeated
      const runner = await openLlamaCpp(gguf, { threads: 1 });
      try {
        expect(await runner.greedy(IDS, 16)).toEqual(grove);
      } finally {
        await runner.close();
      }
    },
  );

  it('refuses adapters for another base, NaN in the base, and a sum that overflows float32; nothing is left at the destination', async () => {
    const wider = parseModelConfig({ ...input, intermediateSize: 96 });
    const out = join(dir, 'refused');
    await expect(
      mergeAdaptersIntoBase({
        baseFolder: base,
        parts: [{ adapter: randomAdapter(wider, all, 1), weight: 1, label: 'wide' }],
        outFolder: out,
      }),
    ).rejects.toThrow(/wide: adapter tensor model\.layers\.0\.mlp\.gate_proj\.lora_B\.weight holds 384 values/);
    await expect(mergeAdaptersIntoBase({ baseFolder: base, parts: [], outFolder: out })).rejects.toThrow(/no adapters given/);
    const huge = randomAdapter(config, { rank: 1, alpha: 1, targets: ['down_proj'] }, 1, 1e20);
    await expect(mergeAdaptersIntoBase({ baseFolder: base, parts: [{ adapter: huge, weight: 1 }], outFolder: out })).rejects.toThrow(
      /the sum overflows float32\): tensor "model\.layers\.0\.mlp\.down_proj\.weight" holds -?Infinity/,
    );
    expect(existsSync(join(out, 'model.safetensors'))).toBe(false);

    const poisoned = join(dir, 'poisoned');
    mkdirSync(poisoned);
    const bad = await writeTestModel(poisoned, input, { seed: 4 });
    const { weights } = await readModelFolder(poisoned);
    const values = await Promise.all(
      parameterSpecs(bad).map(async (s) => ({ name: s.name, shape: s.shape, data: await weights.readFloat32(s.name) })),
    );
    await weights.close();
    values.find((v) => v.name === 'model.layers.1.input_layernorm.weight')!.data[3] = Number.NaN;
    await writeModelFolder(poisoned, { config: bad, tensors: values });
    await expect(mergeAdaptersIntoBase({ baseFolder: poisoned, parts: parents, outFolder: out })).rejects.toThrow(
      /model\.layers\.1\.input_layernorm\.weight" holds NaN at element 3/,
    );
    expect(existsSync(join(out, 'model.safetensors'))).toBe(false);
  });
});
