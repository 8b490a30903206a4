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
const other = join(dir, 'other');

beforeAll(async () => {
  assertBuilt();
  const tokenizer = await writeTestTokenizer(dir, 300);
  const config = {
    architecture: 'LlamaForCausalLM',
    vocabSize: 300,
    hiddenSize: 32,
    intermediateSize: 64,
    numHiddenLayers: 2,
    numAttentionHeads: 4,
    numKeyValueHeads: 2,
    tieWordEmbeddings: true,
    initializerRange: 0.3,
  } as const;
  await writeTestModel(model, config, { seed: 5, tokenizer });
  await writeTestModel(other, config, { seed: 6, tokenizer });
});

const run = (...args: string[]) =>
  execFileSync(process.execPath, [groveBin, 'generate', '--model', model, '--threads', '1', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });

describe('grove generate', () => {
  it('continues a prompt greedily and deterministically, up to the token budget', () => {
    const a = run('The forest', '--temperature', '0', '--max-tokens', '12');
    const b = run('The forest', '--temperature', '0', '--max-tokens', '12');
    expect(a).toBe(b);
    expect(a.trim().length).toBeGreaterThan(0);
    const r = spawnSync(
      process.execPath,
      [
        groveBin,
        'generate',
        '--model',
        model,
        '--threads',
        '1',
        'The forest',
        '--temperature',
        '0',
        '--max-tokens',
        '12',
        '--repetition-penalty',
        '1',
      ],
      { encoding: 'utf8' },
    );
    expect(r.stderr).toMatch(/\((12 tokens, stopped by length|\d+ tokens, stopped by stop-token)\)/);
    // --temperature 0 is plain greedy decoding: no repetition penalty unless one is asked for.
    expect(r.stdout).toBe(a);
  });

  it('applies a repetition penalty at temperature 0 only when one is given', () => {
    const plain = run('The forest', '--temperature', '0', '--max-tokens', '40');
    const penalised = run('The forest', '--temperature', '0', '--max-tokens', '40', '--repetition-penalty', '5');
    expect(penalised).not.toBe(plain);
  });

  it('samples differently with different seeds', () => {
    const outs = new Set(
      ['1', '2', '3'].map((seed) =>
        run('The forest', '--temperature', '1.5', '--top-k', '0', '--top-p', '1', '--max-tokens', '16', '--seed', seed),
      ),
    );
    expect(outs.size).toBeGreaterThan(1);
  });
});

describe('grove generate with several models', () => {
  const ensemble = (...args: string[]) =>
    spawnSync(
      process.execPath,
      [groveBin, 'generate', '--threads', '1', 'The forest', '--temperature', '0', '--max-tokens', '10', ...args],
      { encoding: 'utf8' },
    );

  it('mixes two model folders (uniform prior) and prints the posterior; a weight of 0 leaves the other model alone', () => {
    const a = ensemble('--model', model, other);
    expect(a.status, a.stderr).toBe(0);
    expect(a.stderr).toMatch(
      new RegExp(
        `posterior \\(uniform prior\\): ${model.replace(/[/.]/g, '\\$&')} [01]\\.\\d{3}, ${other.replace(/[/.]/g, '\\$&')} [01]\\.\\d{3}`,
      ),
    );
    expect(ensemble('--model', model, other).stdout).toBe(a.stdout);
    const alone = run('The forest', '--temperature', '0', '--max-tokens', '10');
    expect(ensemble('--weights', `${model}=1,${other}=0`).stdout).toBe(alone);
    expect(a.stdout).not.toBe(alone); // the second model changes the text
  });

  it('refuses a cached prior for folders, and a prompt swallowed by the model list, with a hint', () => {
    const cached = ensemble('--model', model, other, '--prior', 'cached');
    expect(cached.status).toBe(1);
    expect(cached.stderr).toMatch(/cached prior covers models of the forest only/);
    const swallowed = spawnSync(process.execPath, [groveBin, 'generate', '--model', model, other, 'The forest'], { encoding: 'utf8' });
    expect(swallowed.status).toBe(1);
    expect(swallowed.stderr).toMatch(/No prompt: give it before --model, or end the model list with --/);
  });
});
