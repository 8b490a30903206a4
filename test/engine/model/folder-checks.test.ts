// Model folders handed to Grove that do not hold what their config says (issue 12, item 14): layer counts
// that disagree with the weights (1e9 layers over a small file), tensors left over, files that are not
// regular files, deeply nested JSON, NaN/Inf weights on import and averaging. Each ends in a GroveError that
// names the file, the key or the tensor, and quickly.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeModels } from '../../../src/engine/forest/merge/merge-models';
import { mergeMethod } from '../../../src/engine/forest/merge/registry';
import { presetConfig } from '../../../src/engine/model/config';
import { readModelFolder, writeModelFolder } from '../../../src/engine/model/folder';
import { initParameters } from '../../../src/engine/model/init';
import { jsonDepth } from '../../../src/engine/model/model-file';
import { storeModelFolder } from '../../../src/app/store/model-store';
import { GroveError } from '../../../src/shared/api/errors';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
const config = presetConfig('tiny', { vocabSize: 64, hiddenSize: 16, intermediateSize: 32, numHiddenLayers: 2, numAttentionHeads: 2 });

let n = 0;
async function model(
  edit: (t: { name: string; shape: readonly number[]; data: Float32Array }[]) => void = () => undefined,
): Promise<string> {
  const folder = join(dir, `m${n++}`);
  mkdirSync(folder);
  const tensors = [...initParameters(config, 3)].map(({ spec, data }) => ({ name: spec.name, shape: spec.shape, data }));
  edit(tensors);
  await writeModelFolder(folder, { config, tensors });
  return folder;
}

function editConfig(folder: string, edit: (c: Record<string, unknown>) => void): void {
  const c = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8')) as Record<string, unknown>;
  edit(c);
  writeFileSync(join(folder, 'config.json'), JSON.stringify(c));
}

async function refusal(p: Promise<unknown>): Promise<GroveError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GroveError);
  return err as GroveError;
}

describe('model folders whose config and weights disagree', () => {
  it('a config claiming 1e9 layers is named against the layers the weights hold, before anything per layer', async () => {
    const folder = await model();
    editConfig(folder, (c) => (c.num_hidden_layers = 1e9));
    expect((await refusal(readModelFolder(folder))).message).toMatch(
      /num_hidden_layers = 1000000000, but the weights hold 2 layers \(numbered 0 to 1\)/,
    );
  });

  it('a config naming fewer layers than the weights hold is refused, not run smaller', async () => {
    const folder = await model();
    editConfig(folder, (c) => (c.num_hidden_layers = 1));
    expect((await refusal(readModelFolder(folder))).message).toContain('num_hidden_layers = 1, but the weights hold 2 layers');
  });

  it('tensors the config does not use are refused by name; a recomputed rotary inv_freq is not', async () => {
    const extra = await model((t) => t.push({ name: 'model.layers.0.mlp.extra_proj.weight', shape: [2], data: new Float32Array(2) }));
    expect((await refusal(readModelFolder(extra))).message).toContain('"model.layers.0.mlp.extra_proj.weight"');
    const tiedHead = await model((t) => t.push({ name: 'lm_head.weight', shape: [64, 16], data: new Float32Array(64 * 16) }));
    expect((await refusal(readModelFolder(tiedHead))).message).toContain('tie_word_embeddings');
    const invFreq = await model((t) =>
      t.push({ name: 'model.layers.1.self_attn.rotary_emb.inv_freq', shape: [4], data: new Float32Array(4) }),
    );
    await (await readModelFolder(invFreq)).weights.close();
  });
});

describe('model files that are not what they seem', () => {
  it('a FIFO or a folder in place of a file is refused by name (never a hang, never a bare EISDIR)', async () => {
    const fifoWeights = await model();
    rmSync(join(fifoWeights, 'model.safetensors'));
    execFileSync('mkfifo', [join(fifoWeights, 'model.safetensors')]);
    expect((await refusal(readModelFolder(fifoWeights))).message).toMatch(
      /model\.safetensors: the safetensors file is a named pipe \(FIFO\), not a regular file/,
    );
    const fifoConfig = await model();
    rmSync(join(fifoConfig, 'config.json'));
    execFileSync('mkfifo', [join(fifoConfig, 'config.json')]);
    expect((await refusal(readModelFolder(fifoConfig))).message).toMatch(/config\.json: the model config \(config\.json\) is a named pipe/);
    const dirWeights = await model();
    rmSync(join(dirWeights, 'model.safetensors'));
    mkdirSync(join(dirWeights, 'model.safetensors'));
    expect((await refusal(readModelFolder(dirWeights))).message).toMatch(/model\.safetensors: the safetensors file is a folder/);
  });

  it('a config.json nested thousands of levels deep is refused before anything recurses into it', async () => {
    const folder = await model();
    const text = readFileSync(join(folder, 'config.json'), 'utf8');
    writeFileSync(join(folder, 'config.json'), text.replace(/^\{/, `{"deep": ${'['.repeat(100_000)}${']'.repeat(100_000)},`));
    expect((await refusal(readModelFolder(folder))).message).toContain('nests values more than 64 levels deep');
    expect(jsonDepth({ a: [[1]] })).toBe(3);
  });
});

describe('NaN and infinite weights', () => {
  it('are refused on import into the store, naming the tensor and element', async () => {
    const folder = await model((t) => (t[3]!.data[5] = Number.NaN));
    const err = await refusal(storeModelFolder(join(dir, 'home-nan'), folder, null));
    expect(err.message).toMatch(/tensor "model\.layers\.0\.self_attn\.k_proj\.weight" holds NaN at element 5/);
  });

  it('are refused when averaging (branch, collapse), naming the model', async () => {
    const good = await model();
    const bad = await model((t) => (t[0]!.data[0] = -Infinity));
    mkdirSync(join(dir, 'avg'));
    const inputs = [good, bad].map((folder) => ({ folder, weight: 1, tokenizerSha256: 'f'.repeat(64) }));
    const err = await refusal(mergeModels({ method: mergeMethod('linear'), inputs, outFolder: join(dir, 'avg') }));
    expect(err.message).toContain(`${bad}: tensor "model.embed_tokens.weight" holds -Infinity at element 0`);
  });
});
