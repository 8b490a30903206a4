// `grove import-adapter`: a PEFT adapter folder (as PEFT writes it) joins the forest as a light expert over the
// seed, which `grove show` then prints with its kind, rank and base; an adapter of another base and a name
// already taken are refused with the reason and a failing exit status, leaving the forest as it was.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseModelConfig, type ModelConfigInput } from '../../../src/engine/model/config';
import type { LoraConfig } from '../../../src/engine/model/lora';
import { assertBuilt, groveBin } from '../../helpers/grove-process';
import { writeTestModel } from '../../helpers/model';
import { peftTensors, writePeftFolder } from '../../helpers/peft';
import { tempDir } from '../../helpers/tmp';
import { writeTestTokenizer } from '../../helpers/tokenizer';

const dir = tempDir();
const home = join(dir, 'home');
const input: ModelConfigInput = {
  architecture: 'LlamaForCausalLM',
  vocabSize: 320,
  hiddenSize: 32,
  intermediateSize: 64,
  numHiddenLayers: 1,
  numAttentionHeads: 2,
  tieWordEmbeddings: true,
};
const lora: LoraConfig = { rank: 8, alpha: 16, targets: ['q_proj', 'v_proj', 'down_proj'] };
const grove = (...args: string[]) =>
  execFileSync(process.execPath, [groveBin, '--home', home, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const failing = (...args: string[]) => spawnSync(process.execPath, [groveBin, '--home', home, ...args], { encoding: 'utf8' });

beforeAll(async () => {
  assertBuilt();
  const tokenizer = await writeTestTokenizer(dir, 320);
  await writeTestModel(join(dir, 'tiny-seed'), input, { seed: 9, tokenizer });
  grove('init', '--from', join(dir, 'tiny-seed'), '--name', 'garden');
});

describe('grove import-adapter', () => {
  it('adds a PEFT adapter as a light expert over the seed; grove show prints it', async () => {
    const folder = await writePeftFolder(join(dir, 'poems-adapter'), peftTensors(parseModelConfig(input), lora, 3), { lora_alpha: 16 });
    expect(grove('import-adapter', '--from', folder, '--name', 'poems')).toMatch(
      /Imported "poems" \(model \d+\): a light expert over "tiny-seed"; rank 8, alpha 16, q_proj, v_proj, down_proj; \d+ kB\.\nIts adapter_config\.json names the model it was trained on: HuggingFaceTB\/SmolLM2-135M/,
    );
    expect(grove('show', 'poems')).toMatch(/kind light: LoRA rank 8, alpha 16, on q_proj, v_proj, down_proj; base tiny-seed/);
  });

  it('refuses an adapter of another base, and a name in use, saying why', async () => {
    const wider = parseModelConfig({ ...input, intermediateSize: 128 });
    const other = failing(
      'import-adapter',
      '--from',
      await writePeftFolder(join(dir, 'other-adapter'), peftTensors(wider, lora, 4)),
      '--name',
      'other',
    );
    expect(other.status).not.toBe(0);
    expect(other.stderr).toMatch(
      /down_proj input width \(intermediate_size\) is 128, the base's is 64\. The adapter was trained on another base than "tiny-seed"/,
    );
    const taken = failing('import-adapter', '--from', join(dir, 'poems-adapter'), '--name', 'poems');
    expect(taken.status).not.toBe(0);
    expect(taken.stderr).toMatch(/already has a model named "poems"; choose another name/);
    expect(grove('list')).not.toMatch(/other/);
  });
});
