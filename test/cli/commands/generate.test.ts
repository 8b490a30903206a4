// `grove generate` on a model folder written by Grove (random weights): it streams text, stops at the
// token budget, and greedy decoding is deterministic.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseModelConfig } from '../../../src/engine/model/config';
import { writeModelFolder } from '../../../src/engine/model/folder';
import { initParameters } from '../../../src/engine/model/init';
import { assertBuilt, groveBin } from '../../helpers/grove-process';
import { tempDir } from '../../helpers/tmp';
import { writeTestTokenizer } from '../../helpers/tokenizer';

const dir = tempDir();
const model = join(dir, 'model');

beforeAll(async () => {
  assertBuilt();
  const tokenizerPath = await writeTestTokenizer(dir, 300);
  const config = parseModelConfig({ architecture: 'LlamaForCausalLM', vocabSize: 300, hiddenSize: 32, intermediateSize: 64, numHiddenLayers: 2, numAttentionHeads: 4, numKeyValueHeads: 2, tieWordEmbeddings: true, initializerRange: 0.3 });
  mkdirSync(model);
  await writeModelFolder(model, { config, tensors: [...initParameters(config, 5)].map(({ spec, data }) => ({ name: spec.name, shape: spec.shape, data })) });
  copyFileSync(tokenizerPath, join(model, 'tokenizer.json'));
  copyFileSync(join(tokenizerPath, '../tokenizer_config.json'), join(model, 'tokenizer_config.json'));
});

const run = (...args: string[]) => execFileSync(process.execPath, [groveBin, 'generate', '--model', model, '--threads', '1', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('grove generate', () => {
  it('continues a prompt greedily and deterministically, up to the token budget', () => {
    const a = run('The forest', '--temperature', '0', '--max-tokens', '12');
    const b = run('The forest', '--temperature', '0', '--max-tokens', '12');
    expect(a).toBe(b);
    expect(a.trim().length).toBeGreaterThan(0);
    const r = spawnSync(process.execPath, [groveBin, 'generate', '--model', model, '--threads', '1', 'The forest', '--temperature', '0', '--max-tokens', '12', '--repetition-penalty', '1'], { encoding: 'utf8' });
    expect(r.stderr).toMatch(/\((12 tokens, stopped by length|\d+ tokens, stopped by stop-token)\)/);
  });

  it('samples differently with different seeds', () => {
    const outs = new Set(['1', '2', '3'].map((seed) => run('The forest', '--temperature', '1.5', '--top-k', '0', '--top-p', '1', '--max-tokens', '16', '--seed', seed)));
    expect(outs.size).toBeGreaterThan(1);
  });
});
