// The ensemble over real models on a real domain: identical experts reproduce the single model; with two
// different experts the cached prior leans towards the one with the lower perplexity on the domain.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestFolder } from '../../../src/engine/corpus/ingest';
import { corpusTokenizer } from '../../../src/engine/corpus/types';
import { Ensemble, estimateCachedPrior } from '../../../src/engine/ensemble/ensemble';
import { evaluateSplit } from '../../../src/engine/eval/perplexity';
import { CONTEXT_POSTERIOR, LAST_TOKEN_POSTERIOR } from '../../../src/engine/forest/posterior';
import { parseModelConfig } from '../../../src/engine/model/config';
import { writeModelFolder } from '../../../src/engine/model/folder';
import { initParameters } from '../../../src/engine/model/init';
import { LlamaModel } from '../../../src/engine/runtime/llama-model';
import { loadTokenizer } from '../../../src/engine/tokenize/load';
import { tempDir } from '../../helpers/tmp';
import { writeTestTokenizer } from '../../helpers/tokenizer';

const dir = tempDir();
const domain = join(dir, 'domain');
const models: LlamaModel[] = [];
const T = 16;

async function model(name: string, seed: number, std: number): Promise<LlamaModel> {
  const config = parseModelConfig({
    architecture: 'LlamaForCausalLM',
    vocabSize: 320,
    hiddenSize: 32,
    intermediateSize: 64,
    numHiddenLayers: 1,
    numAttentionHeads: 2,
    tieWordEmbeddings: true,
    initializerRange: std,
  });
  mkdirSync(join(dir, name));
  await writeModelFolder(join(dir, name), {
    config,
    tensors: [...initParameters(config, seed)].map(({ spec, data }) => ({ name: spec.name, shape: spec.shape, data })),
  });
  const m = await LlamaModel.open(join(dir, name), { threads: 1 });
  models.push(m);
  return m;
}

beforeAll(async () => {
  const tokenizer = await loadTokenizer(await writeTestTokenizer(dir, 320));
  mkdirSync(join(dir, 'docs'));
  for (let i = 0; i < 30; i++)
    writeFileSync(join(dir, 'docs', `d${i}.txt`), `Entry ${i}: experts weigh the domain posterior ${i} times.\n`.repeat(10));
  await ingestFolder({ folder: join(dir, 'docs'), out: domain, tokenizer: corpusTokenizer(tokenizer), settings: { minTrainTokens: 0 } });
});
afterAll(async () => {
  for (const m of models) await m.close();
});

describe('Ensemble', () => {
  it('of two identical experts scores exactly like the one model, with either posterior', async () => {
    const a = await model('a', 1, 0.3);
    const single = await evaluateSplit(a, domain, 'test', { contextLength: T, batchSize: 4 });
    for (const posterior of [CONTEXT_POSTERIOR, LAST_TOKEN_POSTERIOR]) {
      const e = await evaluateSplit(new Ensemble([a, a], [0.5, 0.5], posterior), domain, 'test', { contextLength: T, batchSize: 4 });
      expect(e.loss).toBeCloseTo(single.loss, 5);
    }
  });

  it('estimates a cached prior that favours the expert that fits the domain better, and beats the worse expert', async () => {
    const sharp = await model('sharp', 2, 0.5); // confidently wrong: high perplexity
    const flat = await model('flat', 3, 0.002); // near uniform over the vocabulary
    const [ps, pf] = [
      await evaluateSplit(sharp, domain, 'valid', { contextLength: T, batchSize: 4 }),
      await evaluateSplit(flat, domain, 'valid', { contextLength: T, batchSize: 4 }),
    ];
    const better = ps.loss < pf.loss ? 0 : 1;
    const { prior, sequences } = await estimateCachedPrior([sharp, flat], domain, { contextLength: T, batchSize: 4, sequences: 12 });
    expect(sequences).toBe(12);
    expect(prior[0]! + prior[1]!).toBeCloseTo(1, 10);
    expect(prior[better]!).toBeGreaterThan(0.5);
    const ens = await evaluateSplit(new Ensemble([sharp, flat], prior, CONTEXT_POSTERIOR), domain, 'test', {
      contextLength: T,
      batchSize: 4,
    });
    const worst = Math.max(
      (await evaluateSplit(sharp, domain, 'test', { contextLength: T, batchSize: 4 })).loss,
      (await evaluateSplit(flat, domain, 'test', { contextLength: T, batchSize: 4 })).loss,
    );
    expect(ens.loss).toBeLessThan(worst);
  });

  it('refuses a prior that does not match the experts', () => {
    expect(() => new Ensemble([models[0]!], [0.5, 0.5], CONTEXT_POSTERIOR)).toThrow(/2 weights for 1 experts/);
  });
});
