// The compile cache under concurrent workers: processes opening the same model at once each compile the same
// graph into its folder; every one runs, they agree, and the folder holds one whole graph per kind and no
// temporary file (the cache wrote to a fixed .tmp name before: two compilers could rename each other's file).
// A light expert on its base's LlamaModel: logits, scores and KV-cached decoding with its adapter fed equal
// the independent PyTorch reference (test/golden/llama_ref.py --adapter, <= 1e-4), and its graphs are
// cached beside the plain ones under their own names, shared by experts of other ranks.
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeAdapterFolder } from '../../../src/engine/model/adapter-folder';
import { LORA_TARGETS, loraSpecs, type LoraConfig } from '../../../src/engine/model/lora';
import { elementCount } from '../../../src/engine/model/names';
import { Rng } from '../../../src/engine/model/rng';
import { SafetensorsFile } from '../../../src/engine/model/safetensors';
import { loadAdapter } from '../../../src/engine/runtime/adapter-feeds';
import { LlamaModel } from '../../../src/engine/runtime/llama-model';
import { buildChildScript } from '../../helpers/child-script';
import { repoRoot } from '../../helpers/grove-process';
import { writeTestModel } from '../../helpers/model';
import { tempDir } from '../../helpers/tmp';
import { PYTHON, torchFor } from '../../helpers/torch';

const torchAvailable = torchFor('light expert parity');
let cleanup = (): void => undefined;
afterAll(() => cleanup());

function run(script: string, folder: string): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [script, folder], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += String(d)));
    p.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as number[]) : reject(new Error(`worker exited with ${code}`))));
  });
}

describe('the compiled-graph cache', { timeout: 120_000 }, () => {
  it('lets three workers compile the same graph at once, and they all run it', async () => {
    const folder = join(tempDir(), 'model');
    await writeTestModel(folder, {
      architecture: 'LlamaForCausalLM',
      vocabSize: 64,
      hiddenSize: 32,
      intermediateSize: 64,
      numHiddenLayers: 2,
      numAttentionHeads: 2,
      tieWordEmbeddings: true,
    });
    const built = await buildChildScript(join(import.meta.dirname, 'compile-cache-child.ts'), 'compile-cache-child');
    cleanup = built.cleanup;
    const results = await Promise.all([run(built.path, folder), run(built.path, folder), run(built.path, folder)]);
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
    const graphs = readdirSync(folder).filter((f) => f.startsWith('grove-'));
    expect(graphs.filter((f) => f.endsWith('.onnx'))).toHaveLength(1);
    expect(graphs.filter((f) => !f.endsWith('.onnx') && !f.endsWith('.onnx.data'))).toEqual([]);
    // And this process, opening it afterwards, reuses the cached graph and agrees.
    const model = await LlamaModel.open(folder, { threads: 1 });
    expect([...(await model.score([1, 2, 3, 4], [2, 3, 4, 5], 1))]).toEqual(results[0]);
    await model.close();
  });
});

describe.skipIf(!torchAvailable)('a light expert on its base', { timeout: 120_000 }, () => {
  it('scores, gives logits and decodes as the reference merges base and adapter, on graphs cached apart from the plain ones', async () => {
    const dir = tempDir();
    const folder = join(dir, 'base');
    const config = await writeTestModel(
      folder,
      {
        architecture: 'LlamaForCausalLM',
        vocabSize: 67,
        hiddenSize: 64,
        intermediateSize: 96,
        numHiddenLayers: 2,
        numAttentionHeads: 4,
        numKeyValueHeads: 2,
        initializerRange: 0.2,
      },
      { seed: 5 },
    );
    const write = async (name: string, lora: LoraConfig) => {
      const tensors = new Map(
        loraSpecs(config, lora).map((s) => [s.name, new Rng(3, s.name).fillNormal(new Float32Array(elementCount(s.shape)), 0, 0.3)]),
      );
      await writeAdapterFolder(join(dir, name), { config, lora, baseModel: 'base', tensors });
      return join(dir, name);
    };
    const adapterFolder = await write('light', { rank: 4, alpha: 8, targets: LORA_TARGETS });
    const ids = [3, 17, 42, 5, 60, 23, 9, 31];
    writeFileSync(join(dir, 'ids.json'), JSON.stringify({ input_ids: [ids] }));
    execFileSync(
      PYTHON,
      [
        join(repoRoot, 'test/golden/llama_ref.py'),
        '--model',
        folder,
        '--tokens',
        join(dir, 'ids.json'),
        '--out',
        join(dir, 'golden.safetensors'),
        '--dtype',
        'float32',
        '--adapter',
        adapterFolder,
      ],
      { stdio: 'ignore' },
    );
    const golden = await SafetensorsFile.open(join(dir, 'golden.safetensors'));
    const ref = await golden.readFloat32('logits'); // [1, T, V]
    await golden.close();
    const V = config.vocabSize;
    const diff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i]!)));

    const model = await LlamaModel.open(folder, { threads: 1 });
    const adapter = await loadAdapter(adapterFolder, config);
    expect(diff(await model.logits(ids, adapter), ref)).toBeLessThanOrEqual(1e-4);
    expect(diff(await model.logits(ids), ref)).toBeGreaterThan(0.05); // the adapter matters
    const expected = ids.slice(1).map((target, t) => {
      const row = Array.from(ref.subarray(t * V, (t + 1) * V));
      const max = Math.max(...row);
      return row[target]! - max - Math.log(row.reduce((sum, x) => sum + Math.exp(x - max), 0));
    });
    expect(diff(await model.score(ids.slice(0, -1), ids.slice(1), 1, adapter), expected)).toBeLessThanOrEqual(1e-4);
    const decoder = model.decoder({ adapter });
    const rows = [await decoder.prefill(ids.slice(0, 4))];
    for (const id of ids.slice(4)) rows.push(await decoder.step(id));
    rows.forEach((logits, i) => expect(diff(logits, ref.subarray((3 + i) * V, (4 + i) * V))).toBeLessThanOrEqual(1e-4));

    // Another light expert of another rank and fewer targets runs on graphs of its own targets; one of the same targets, on the same graphs.
    const other = await loadAdapter(await write('other', { rank: 2, alpha: 2, targets: ['q_proj', 'v_proj'] }), config);
    await model.logits(ids, other);
    await model.logits(ids, await loadAdapter(await write('same', { rank: 8, alpha: 4, targets: LORA_TARGETS }), config));
    await model.close();
    const graphs = readdirSync(folder).filter((f) => f.startsWith('grove-decode-all'));
    expect(graphs.filter((f) => f.startsWith('grove-decode-all-lora-'))).toHaveLength(2);
    expect(graphs.filter((f) => !f.includes('-lora-'))).toHaveLength(1);
  });
});
