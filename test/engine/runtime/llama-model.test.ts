// The compile cache under concurrent workers: processes opening the same model at once each compile the same
// graph into its folder; every one runs, they agree, and the folder holds one whole graph per kind and no
// temporary file (the cache wrote to a fixed .tmp name before: two compilers could rename each other's file).
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LlamaModel } from '../../../src/engine/runtime/llama-model';
import { buildChildScript } from '../../helpers/child-script';
import { writeTestModel } from '../../helpers/model';
import { tempDir } from '../../helpers/tmp';

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
    await writeTestModel(folder, { architecture: 'LlamaForCausalLM', vocabSize: 64, hiddenSize: 32, intermediateSize: 64, numHiddenLayers: 2, numAttentionHeads: 2, tieWordEmbeddings: true });
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
