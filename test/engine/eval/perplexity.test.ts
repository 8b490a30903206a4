// Perplexity of a real model on a real ingested domain, checked against a direct computation from the
// model's full logits window by window.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestFolder } from '../../../src/engine/corpus/ingest';
import { readManifest, splitShards } from '../../../src/engine/corpus/manifest';
import { corpusTokenizer } from '../../../src/engine/corpus/types';
import { evaluateSplit } from '../../../src/engine/eval/perplexity';
import { parseModelConfig } from '../../../src/engine/model/config';
import { writeModelFolder } from '../../../src/engine/model/folder';
import { initParameters } from '../../../src/engine/model/init';
import { LlamaModel } from '../../../src/engine/runtime/llama-model';
import { loadTokenizer } from '../../../src/engine/tokenize/load';
import { tempDir } from '../../helpers/tmp';
import { writeTestTokenizer } from '../../helpers/tokenizer';

const dir = tempDir();
const domain = join(dir, 'domain');
let model: LlamaModel;

beforeAll(async () => {
  const tokenizer = await loadTokenizer(await writeTestTokenizer(dir, 300));
  const folder = join(dir, 'docs');
  mkdirSync(folder);
  for (let i = 0; i < 30; i++)
    writeFileSync(join(folder, `d${i}.txt`), `Document ${i}: the forest has ${i} experts and ${i * 2} domains.\n`.repeat(12));
  await ingestFolder({ folder, out: domain, tokenizer: corpusTokenizer(tokenizer), settings: { minTrainTokens: 0 } });
  const config = parseModelConfig({
    architecture: 'LlamaForCausalLM',
    vocabSize: tokenizer.vocabSize,
    hiddenSize: 32,
    intermediateSize: 64,
    numHiddenLayers: 1,
    numAttentionHeads: 2,
    initializerRange: 0.2,
    tieWordEmbeddings: true,
  });
  mkdirSync(join(dir, 'model'));
  await writeModelFolder(join(dir, 'model'), {
    config,
    tensors: [...initParameters(config, 1)].map(({ spec, data }) => ({ name: spec.name, shape: spec.shape, data })),
  });
  model = await LlamaModel.open(join(dir, 'model'), { threads: 1 });
});
afterAll(async () => model?.close());

describe('evaluateSplit', () => {
  it('scores every full window of the split and agrees with the log-softmax of the logits', async () => {
    const T = 16;
    const e = await evaluateSplit(model, domain, 'test', { contextLength: T, batchSize: 3 });
    const manifest = await readManifest(domain);
    const files = splitShards(domain, manifest, 'test');
    const windowsPerFile = files.map((f) => Math.floor(f.tokens / (T + 1)));
    expect(e.tokens).toBe(windowsPerFile.reduce((a, b) => a + b, 0) * T);

    // Independent: full logits per window, log-softmax at the next token, mean over all predictions.
    const { readFileSync } = await import('node:fs');
    const V = model.config.vocabSize;
    let nll = 0;
    let n = 0;
    for (const f of files) {
      const raw = readFileSync(f.path);
      const ids =
        f.dtype === 'uint16'
          ? new Uint16Array(raw.buffer, raw.byteOffset, raw.length / 2)
          : new Uint32Array(raw.buffer, raw.byteOffset, raw.length / 4);
      for (let s = 0; s + T + 1 <= ids.length; s += T + 1) {
        const window = Array.from(ids.subarray(s, s + T + 1));
        const logits = await model.logits(window.slice(0, T));
        for (let t = 0; t < T; t++) {
          const row = logits.subarray(t * V, (t + 1) * V);
          const max = Math.max(...row);
          const lse = max + Math.log(row.reduce((acc, v) => acc + Math.exp(v - max), 0));
          nll += lse - (row[window[t + 1] as number] as number);
          n++;
        }
      }
    }
    expect(e.loss).toBeCloseTo(nll / n, 4);
    expect(e.perplexity).toBeCloseTo(Math.exp(nll / n), 2);
    const stats = manifest.splits.test;
    expect(e.bitsPerByte).toBeCloseTo(((nll / n) * (stats.tokens / stats.textBytes)) / Math.LN2, 4);
  });

  it('says how much text is missing when no window fits', async () => {
    await expect(evaluateSplit(model, domain, 'test', { contextLength: 100_000, batchSize: 1 })).rejects.toThrow(/fewer than one window/);
  });
});
