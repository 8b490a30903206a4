// `grove export` by forest model name (the stored weights carry no tokenizer: the forest's is used) and by
// folder, in all three formats; an existing output is refused without --force.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, groveBin } from '../../helpers/grove-process';
import { writeTestModel } from '../../helpers/model';
import { tempDir } from '../../helpers/tmp';
import { writeTestTokenizer } from '../../helpers/tokenizer';

const dir = tempDir();
const home = join(dir, 'home');
const grove = (...args: string[]) => execFileSync(process.execPath, [groveBin, '--home', home, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

beforeAll(async () => {
  assertBuilt();
  const tokenizer = await writeTestTokenizer(dir, 320);
  await writeTestModel(join(dir, 'tiny-seed'), { architecture: 'LlamaForCausalLM', vocabSize: 320, hiddenSize: 32, intermediateSize: 64, numHiddenLayers: 1, numAttentionHeads: 2, tieWordEmbeddings: true }, { seed: 9, tokenizer });
  grove('init', '--from', join(dir, 'tiny-seed'), '--name', 'garden');
});

describe('grove export', () => {
  it('writes gguf, hf and onnx by model name; refuses to overwrite without --force', () => {
    expect(grove('export', 'tiny-seed', '--format', 'gguf', '--out', join(dir, 'seed.gguf'))).toMatch(/Exported tiny-seed as gguf \(f32\)/);
    expect(readFileSync(join(dir, 'seed.gguf')).subarray(0, 4).toString('latin1')).toBe('GGUF');
    grove('export', 'tiny-seed', '--format', 'hf', '--out', join(dir, 'seed-hf'), '--dtype', 'f16');
    expect(JSON.parse(readFileSync(join(dir, 'seed-hf', 'config.json'), 'utf8')).torch_dtype).toBe('float16');
    // The forest's tokenizer went with the stored weights.
    expect(readFileSync(join(dir, 'seed-hf', 'tokenizer.json'))).toEqual(readFileSync(join(home, 'tokenizer', 'tokenizer.json')));
    grove('export', join(dir, 'tiny-seed'), '--format', 'onnx', '--out', join(dir, 'seed-onnx'));
    expect(existsSync(join(dir, 'seed-onnx', 'onnx', 'model.onnx'))).toBe(true);

    const again = spawnSync(process.execPath, [groveBin, '--home', home, 'export', 'tiny-seed', '--format', 'gguf', '--out', join(dir, 'seed.gguf')], { encoding: 'utf8' });
    expect(again.status).not.toBe(0);
    expect(again.stderr).toMatch(/exists already.*--force/);
    expect(grove('export', 'tiny-seed', '--format', 'gguf', '--out', join(dir, 'seed.gguf'), '--force', '--dtype', 'f16')).toMatch(/gguf \(f16\)/);
  });
});
