// `grove eval` on an ingested domain: a model at initialisation (tiny weights) is close to uniform, so its
// perplexity is close to the vocabulary size; the table has one row per domain.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, groveBin } from '../../helpers/grove-process';
import { writeTestModel } from '../../helpers/model';
import { tempDir } from '../../helpers/tmp';
import { writeTestTokenizer } from '../../helpers/tokenizer';

const dir = tempDir();
const home = join(dir, 'home');
const VOCAB = 320;

beforeAll(async () => {
  assertBuilt();
  const tokenizer = await writeTestTokenizer(dir, VOCAB);
  for (const name of ['birds', 'rivers']) {
    const folder = join(dir, name);
    mkdirSync(folder);
    for (let i = 0; i < 25; i++)
      writeFileSync(join(folder, `${i}.txt`), `${name} note ${i}: ${'the forest and the stream '.repeat(i + 3)}\n`.repeat(8));
    execFileSync(process.execPath, [groveBin, '--home', home, 'ingest', folder, '--domain', name, '--tokenizer', tokenizer], {
      stdio: 'ignore',
    });
  }
  await writeTestModel(join(dir, 'model'), {
    architecture: 'LlamaForCausalLM',
    vocabSize: VOCAB,
    hiddenSize: 32,
    intermediateSize: 64,
    numHiddenLayers: 1,
    numAttentionHeads: 2,
    tieWordEmbeddings: true,
    initializerRange: 0.002,
  });
});

describe('grove eval', () => {
  it('prints perplexity and bits per byte per domain', () => {
    const out = execFileSync(
      process.execPath,
      [groveBin, '--home', home, 'eval', '--model', join(dir, 'model'), '--domain', 'birds', 'rivers', '--context', '32', '--threads', '1'],
      { encoding: 'utf8' },
    );
    const rows = out
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split('\t'));
    expect(rows.map((r) => r[1])).toEqual(['birds', 'rivers']);
    for (const r of rows) {
      expect(Number(r[4])).toBeCloseTo(Math.log(VOCAB), 1);
      expect(Number(r[5])).toBeGreaterThan(VOCAB * 0.9);
      expect(Number(r[5])).toBeLessThan(VOCAB * 1.1);
      expect(Number(r[6])).toBeGreaterThan(0);
    }
  });

  it('adds the ensemble of several models, with the prior it used', () => {
    const model = join(dir, 'model');
    const out = execFileSync(
      process.execPath,
      [
        groveBin,
        '--home',
        home,
        'eval',
        '--model',
        model,
        model,
        '--domain',
        'birds',
        '--context',
        '32',
        '--threads',
        '1',
        '--prior-sequences',
        '8',
      ],
      { encoding: 'utf8' },
    );
    const rows = out
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split('\t'));
    expect(rows).toHaveLength(3);
    expect(rows[2]![0]).toBe('ensemble (cached prior, context posterior)');
    expect(Number(rows[2]![4])).toBeCloseTo(Number(rows[0]![4]), 4); // two identical experts = the model
    expect(rows[2]![7]).toBe('0.500 0.500');
  });
});
