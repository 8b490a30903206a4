// A store folder named by its weights' sha256 opens only while the weights match the name; the check is
// remembered (size and mtime) and made again when the file changes.
import { existsSync, openSync, readFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readModelFolder } from '../../../src/engine/model/folder';
import { storeModelFolder } from '../../../src/engine/store/model-store';
import { writeTestModel } from '../../helpers/model';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
const config = { architecture: 'LlamaForCausalLM', vocabSize: 64, hiddenSize: 16, intermediateSize: 32, numHiddenLayers: 1, numAttentionHeads: 2, tieWordEmbeddings: true } as const;

describe('content-addressed model folders', () => {
  it('open while the weights match their name, and refuse them once a byte changes', async () => {
    await writeTestModel(join(dir, 'src'), config);
    const stored = await storeModelFolder(join(dir, 'home'), join(dir, 'src'));
    const opened = await readModelFolder(stored.folder);
    await opened.weights.close();
    expect(JSON.parse(readFileSync(join(stored.folder, '.verified.json'), 'utf8'))).toMatchObject({ size: stored.bytes });

    const weights = join(stored.folder, 'model.safetensors');
    const fd = openSync(weights, 'r+');
    const flipped = 0xff ^ readFileSync(weights)[stored.bytes - 3]!;
    writeSync(fd, Buffer.from([flipped]), 0, 1, stored.bytes - 3); // one byte of the last tensor: same size, new mtime
    closeSync(fd);
    await new Promise((r) => setTimeout(r, 20));
    await expect(readModelFolder(stored.folder)).rejects.toThrow(/is damaged: its sha256 is .* but the store named it/);
  });

  it('leaves folders that are not named by a sha256 alone', async () => {
    await writeTestModel(join(dir, 'plain'), config);
    const opened = await readModelFolder(join(dir, 'plain'));
    await opened.weights.close();
    expect(existsSync(join(dir, 'plain', '.verified.json'))).toBe(false);
  });
});
