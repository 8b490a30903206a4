// `grove generate` on a model folder written by Grove (random weights): it streams text, stops at the
// token budget, and greedy decoding is deterministic.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, groveBin } from '../../helpers/grove-process';
import { writeTestModel } from '../../helpers/model';
import { tempDir } from '../../helpers/tmp';
import { writeTestTokenizer } from '../../helpers/tokenizer';

const dir = tempDir();
const model = join(dir, 'model');

beforeAll(async () => {
  assertBuilt();
  const tokenizer = await writeTestTokenizer(dir, 300);
  await writeTestModel(model, { architecture: 'LlamaForCausalLM', vocabSize: 300, hiddenSize: 32, intermediateSize: 64, numHiddenLayers: 2, numAttentionHeads: 4, numKeyValueHeads: 2, tieWordEmbeddings: true, initializerRange: 0.3 }, { seed: 5, tokenizer });
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
