// A store folder's name is the address of what the model computes with (weights, config, tokenizer): it opens
// only while its files match the name; the check of the weights is remembered (size and mtime) and made
// again when the file changes. Folders of older stores, named by their weights alone, stay valid.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readModelFolder } from '../../../src/engine/model/folder';
import { LlamaModel } from '../../../src/engine/runtime/llama-model';
import { importIntoForest, initForestFromModel } from '../../../src/app/store/init';
import { modelsDir, storedModelFolder, storeModelFolder } from '../../../src/app/store/model-store';
import { TINY_CHAT_CONFIG } from '../../helpers/chat-forest';
import { writeTestModel } from '../../helpers/model';
import { tempDir } from '../../helpers/tmp';
import { writeTestTokenizer } from '../../helpers/tokenizer';

const dir = tempDir();
const config = {
  architecture: 'LlamaForCausalLM',
  vocabSize: 64,
  hiddenSize: 16,
  intermediateSize: 32,
  numHiddenLayers: 1,
  numAttentionHeads: 2,
  tieWordEmbeddings: true,
} as const;
const opened: LlamaModel[] = [];
afterAll(async () => {
  for (const m of opened) await m.close();
});

function flipLastByte(path: string): void {
  const bytes = readFileSync(path);
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.from([0xff ^ bytes[bytes.length - 3]!]), 0, 1, bytes.length - 3); // same size, new mtime
  closeSync(fd);
}

function editRopeTheta(folder: string, theta: number): void {
  const c = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(folder, 'config.json'), JSON.stringify({ ...c, rope_theta: theta }));
}

describe('content-addressed model folders', () => {
  it('open while the weights match their name, and refuse them once a byte changes', async () => {
    await writeTestModel(join(dir, 'src'), config);
    const stored = await storeModelFolder(join(dir, 'home'), join(dir, 'src'), null);
    const opened = await readModelFolder(stored.folder);
    await opened.weights.close();
    expect(JSON.parse(readFileSync(join(stored.folder, '.verified.json'), 'utf8'))).toMatchObject({ size: stored.bytes });

    flipLastByte(join(stored.folder, 'model.safetensors'));
    await new Promise((r) => setTimeout(r, 20));
    await expect(readModelFolder(stored.folder)).rejects.toThrow(/is damaged: its sha256 is .* but the store named it/);
  });

  it('refuse an edited config.json, and a folder whose address manifest is gone', async () => {
    await writeTestModel(join(dir, 'src2'), config, { seed: 2 });
    const home = join(dir, 'home2');
    const a = await storeModelFolder(home, join(dir, 'src2'), null);
    editRopeTheta(a.folder, 12345);
    await expect(readModelFolder(a.folder)).rejects.toThrow(/config\.json is damaged or was edited/);

    const b = await storeModelFolder(home, join(dir, 'src2'), 'a'.repeat(64)); // another tokenizer: another address
    expect(b.folder).not.toBe(a.folder);
    rmSync(join(b.folder, 'grove-address.json'));
    await expect(readModelFolder(b.folder)).rejects.toThrow(/is damaged: its sha256 is/);
  });

  it('keep folders of older stores, named by their weights alone, valid and verified', async () => {
    await writeTestModel(join(dir, 'src3'), config, { seed: 3 });
    const weightsSha = createHash('sha256')
      .update(readFileSync(join(dir, 'src3', 'model.safetensors')))
      .digest('hex');
    const home = join(dir, 'home3');
    mkdirSync(modelsDir(home), { recursive: true });
    const legacy = storedModelFolder(home, weightsSha);
    renameSync(join(dir, 'src3'), legacy);
    const m = await readModelFolder(legacy);
    await m.weights.close();
    expect(existsSync(join(legacy, 'grove-address.json'))).toBe(false);
    // Storing the same model again makes a folder with today's address; the old one is left as it is.
    await writeTestModel(join(dir, 'src3b'), config, { seed: 3 });
    const again = await storeModelFolder(home, join(dir, 'src3b'), null);
    expect(again.sha256).not.toBe(weightsSha);
    flipLastByte(join(legacy, 'model.safetensors'));
    await new Promise((r) => setTimeout(r, 20));
    await expect(readModelFolder(legacy)).rejects.toThrow(/is damaged: its sha256 is .* but the store named it/);
  });

  it('leave folders that are not named by a sha256 alone', async () => {
    await writeTestModel(join(dir, 'plain'), config);
    const opened = await readModelFolder(join(dir, 'plain'));
    await opened.weights.close();
    expect(existsSync(join(dir, 'plain', '.verified.json'))).toBe(false);
  });
});

describe('the same weights with another config', () => {
  it('are two models of the forest, each run with its own config', async () => {
    const tokenizer = await writeTestTokenizer(dir, 320);
    await writeTestModel(join(dir, 'seed'), TINY_CHAT_CONFIG, { seed: 1, tokenizer });
    const home = join(dir, 'forest');
    await initForestFromModel(home, join(dir, 'seed'));
    const folders: string[] = [];
    for (const theta of [10000, 500]) {
      const source = join(dir, `same-weights-${theta}`);
      await writeTestModel(source, TINY_CHAT_CONFIG, { seed: 7 });
      editRopeTheta(source, theta);
      const r = await importIntoForest(home, source, `theta-${theta}`);
      folders.push(storedModelFolder(home, r.weightsSha256));
    }
    expect(folders[0]).not.toBe(folders[1]);
    const ids = [1, 250, 17, 3, 99, 42, 7, 280, 11, 64];
    const run = async (folder: string) => {
      const model = await LlamaModel.open(folder, { threads: 1 });
      opened.push(model);
      return { theta: model.config.ropeTheta, logits: await model.logits(ids) };
    };
    const stored = await Promise.all(folders.map(run));
    const sources = await Promise.all([10000, 500].map((t) => run(join(dir, `same-weights-${t}`))));
    expect(stored.map((s) => s.theta)).toEqual([10000, 500]);
    expect(stored[0]!.logits).toEqual(sources[0]!.logits);
    expect(stored[1]!.logits).toEqual(sources[1]!.logits);
    expect(stored[1]!.logits).not.toEqual(stored[0]!.logits);
  });
});
