// `grove export` by forest model name (the stored weights carry no tokenizer: the forest's is used) and by
// folder, in all three formats; an existing output is refused without --force. A light expert (an adapter
// imported with `grove import-adapter`) goes out as a PEFT adapter folder, or folded into its base as GGUF; a
// full model has no PEFT form.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseModelConfig, type ModelConfigInput } from '../../../src/engine/model/config';
import { assertBuilt, groveBin } from '../../helpers/grove-process';
import { writeTestModel } from '../../helpers/model';
import { peftTensors, writePeftFolder } from '../../helpers/peft';
import { tempDir } from '../../helpers/tmp';
import { writeTestTokenizer } from '../../helpers/tokenizer';

const dir = tempDir();
const home = join(dir, 'home');
const seedShape: ModelConfigInput = {
  architecture: 'LlamaForCausalLM',
  vocabSize: 320,
  hiddenSize: 32,
  intermediateSize: 64,
  numHiddenLayers: 1,
  numAttentionHeads: 2,
  tieWordEmbeddings: true,
};
const grove = (...args: string[]) =>
  execFileSync(process.execPath, [groveBin, '--home', home, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

beforeAll(async () => {
  assertBuilt();
  const tokenizer = await writeTestTokenizer(dir, 320);
  await writeTestModel(join(dir, 'tiny-seed'), seedShape, { seed: 9, tokenizer });
  grove('init', '--from', join(dir, 'tiny-seed'), '--name', 'garden');
});

describe('grove export', () => {
  it('writes gguf, hf and onnx by model name; refuses to overwrite without --force', () => {
    // GGUF's default precision is 16-bit, as in the app's export panel (shared/api/defaults.ts).
    expect(grove('export', 'tiny-seed', '--format', 'gguf', '--out', join(dir, 'seed.gguf'))).toMatch(/Exported tiny-seed as gguf \(f16\)/);
    expect(readFileSync(join(dir, 'seed.gguf')).subarray(0, 4).toString('latin1')).toBe('GGUF');
    grove('export', 'tiny-seed', '--format', 'hf', '--out', join(dir, 'seed-hf'), '--dtype', 'f16');
    expect(JSON.parse(readFileSync(join(dir, 'seed-hf', 'config.json'), 'utf8')).torch_dtype).toBe('float16');
    // The forest's tokenizer went with the stored weights.
    expect(readFileSync(join(dir, 'seed-hf', 'tokenizer.json'))).toEqual(readFileSync(join(home, 'tokenizer', 'tokenizer.json')));
    grove('export', join(dir, 'tiny-seed'), '--format', 'onnx', '--out', join(dir, 'seed-onnx'));
    expect(existsSync(join(dir, 'seed-onnx', 'onnx', 'model.onnx'))).toBe(true);

    const again = spawnSync(
      process.execPath,
      [groveBin, '--home', home, 'export', 'tiny-seed', '--format', 'gguf', '--out', join(dir, 'seed.gguf')],
      { encoding: 'utf8' },
    );
    expect(again.status).not.toBe(0);
    expect(again.stderr).toMatch(/exists already.*--force/);
    expect(grove('export', 'tiny-seed', '--format', 'gguf', '--out', join(dir, 'seed.gguf'), '--force', '--dtype', 'f32')).toMatch(
      /gguf \(f32\)/,
    );
  });

  it('writes a light expert as a PEFT adapter, or folded into its base as GGUF; refuses peft of a full model', async () => {
    const adapter = await writePeftFolder(
      join(dir, 'notes-adapter'),
      peftTensors(parseModelConfig(seedShape), { rank: 4, alpha: 8, targets: ['q_proj', 'v_proj'] }),
      { r: 4, lora_alpha: 8, target_modules: ['q_proj', 'v_proj'] },
    );
    grove('import-adapter', '--from', adapter, '--name', 'notes');
    expect(grove('export', 'notes', '--format', 'peft', '--out', join(dir, 'notes-peft'))).toMatch(
      /Exported notes as peft \(f32, base_model_name_or_path [0-9a-f]{64}\) to /,
    );
    expect(JSON.parse(readFileSync(join(dir, 'notes-peft', 'adapter_config.json'), 'utf8'))).toMatchObject({
      peft_type: 'LORA',
      r: 4,
      lora_alpha: 8,
      target_modules: ['q_proj', 'v_proj'],
    });
    expect(grove('export', 'notes', '--format', 'gguf', '--out', join(dir, 'notes.gguf'), '--dtype', 'f16')).toMatch(
      /Exported notes as gguf \(f16, its adapter folded into its base\)/,
    );
    expect(readFileSync(join(dir, 'notes.gguf')).subarray(0, 4).toString('latin1')).toBe('GGUF');

    const full = spawnSync(
      process.execPath,
      [groveBin, '--home', home, 'export', 'tiny-seed', '--format', 'peft', '--out', join(dir, 'seed-peft')],
      { encoding: 'utf8' },
    );
    expect(full.status).not.toBe(0);
    expect(full.stderr).toMatch(/"tiny-seed" is a full model: the peft format writes a light expert's adapter/);
    expect(existsSync(join(dir, 'seed-peft'))).toBe(false);
  });
});
