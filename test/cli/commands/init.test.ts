// The everyday CLI path on a forest started from a model folder: init, ingest with the forest's own
// tokenizer, list, eval and generate by model name.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseModelConfig } from '../../../src/engine/model/config';
import { writeModelFolder } from '../../../src/engine/model/folder';
import { initParameters } from '../../../src/engine/model/init';
import { assertBuilt, groveBin } from '../../helpers/grove-process';
import { tempDir } from '../../helpers/tmp';
import { writeTestTokenizer } from '../../helpers/tokenizer';

const dir = tempDir();
const home = join(dir, 'home');
const grove = (...args: string[]) => execFileSync(process.execPath, [groveBin, '--home', home, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

beforeAll(async () => {
  assertBuilt();
  const config = parseModelConfig({ architecture: 'LlamaForCausalLM', vocabSize: 320, hiddenSize: 32, intermediateSize: 64, numHiddenLayers: 1, numAttentionHeads: 2, tieWordEmbeddings: true });
  const source = join(dir, 'tiny-seed');
  mkdirSync(source);
  await writeModelFolder(source, { config, tensors: [...initParameters(config, 9)].map(({ spec, data }) => ({ name: spec.name, shape: spec.shape, data })) });
  const tok = await writeTestTokenizer(dir, 320);
  copyFileSync(tok, join(source, 'tokenizer.json'));
  copyFileSync(join(tok, '../tokenizer_config.json'), join(source, 'tokenizer_config.json'));
  const docs = join(dir, 'poems');
  mkdirSync(docs);
  for (let i = 0; i < 25; i++) writeFileSync(join(docs, `p${i}.txt`), `Poem ${i}: the willow bends, the river ${i} runs, and the heron waits by the stone.\n`.repeat(80));
});

describe('grove init, then the forest commands', () => {
  it('creates the forest, ingests with its tokenizer, lists, evaluates and generates by model name', () => {
    expect(grove('init', '--from', join(dir, 'tiny-seed'), '--name', 'garden')).toMatch(/Forest "garden" .* seed "tiny-seed"/);
    grove('ingest', join(dir, 'poems'), '--domain', 'poems');
    const list = grove('list');
    expect(list).toMatch(/forest "garden"/);
    expect(list).toMatch(/\tseed\ttiny-seed/);
    expect(list).toMatch(/poems\t25 files/);
    expect(grove('eval', '--model', 'tiny-seed', '--domain', 'poems', '--context', '32', '--threads', '1')).toMatch(/^tiny-seed\tpoems\ttest\t\d+\t/m);
    expect(grove('generate', '--model', 'tiny-seed', 'The willow', '--max-tokens', '5', '--temperature', '0', '--threads', '1').trim().length).toBeGreaterThan(0);
  });
});
