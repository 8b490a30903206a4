// A small Llama that Grove trains on Brown corpus text (a 512-token BPE, 2 layers of width 96, 600 steps), for
// the tests that need a model whose predictions mean something (a varied greedy continuation, a perplexity
// well below uniform): the GGUF export's parity with llama.cpp and the quantized graphs' costs. Also a
// prompt and a held-out text (Brown documents the tokenizer and the model never saw).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ingestFolder } from '../../src/engine/corpus/ingest';
import { readManifest, splitShards } from '../../src/engine/corpus/manifest';
import { corpusTokenizer } from '../../src/engine/corpus/types';
import { parseModelConfig } from '../../src/engine/model/config';
import { brownDocuments } from '../../src/engine/tokenize/brown';
import { tokenizerFromJson } from '../../src/engine/tokenize/load';
import { saveTokenizerFiles } from '../../src/engine/tokenize/trained-json';
import { trainByteLevelBpe } from '../../src/engine/tokenize/train-bpe';
import { runTraining } from '../../src/engine/train/loop';
import { LlamaTrainer } from '../../src/engine/train/step-runner';
import { TokenWindows } from '../../src/engine/train/windows';

const TRAIN_DOCUMENTS = 40;

export interface BrownTokenizer {
  /** Folder with tokenizer.json and tokenizer_config.json. */
  tokenizerDir: string;
  /** The corpus ingested with it (a domain folder). */
  domain: string;
  encode(text: string): number[];
}

/** The BPE tokenizer trained on the first 40 Brown documents, and those documents ingested as a domain. */
export async function brownTokenizer(dir: string): Promise<BrownTokenizer> {
  const docs = [...brownDocuments(TRAIN_DOCUMENTS)];
  const trained = await trainByteLevelBpe(docs, { vocabSize: 512 });
  const tokenizerDir = join(dir, 'tokenizer');
  mkdirSync(tokenizerDir);
  await saveTokenizerFiles(tokenizerDir, trained);
  mkdirSync(join(dir, 'docs'));
  docs.forEach((d, i) => writeFileSync(join(dir, 'docs', `doc-${i}.txt`), d));
  const tokenizer = tokenizerFromJson(trained.tokenizerJson, trained.tokenizerConfig);
  const domain = join(dir, 'brown');
  await ingestFolder({ folder: join(dir, 'docs'), out: domain, tokenizer: corpusTokenizer(tokenizer) });
  return { tokenizerDir, domain, encode: (text) => [...tokenizer.encode(text)] };
}

/** `count` tokens of Brown documents after the training ones. */
export function heldOutBrownTokens(t: BrownTokenizer, count: number): number[] {
  const docs = [...brownDocuments(TRAIN_DOCUMENTS + 3)].slice(TRAIN_DOCUMENTS);
  return t.encode(docs.join('\n\n')).slice(0, count);
}

/** Trains the model on the tokenizer's domain and saves it to `folder`; returns its last training loss. */
export async function trainBrownModel(t: BrownTokenizer, runDir: string, folder: string): Promise<{ loss: number; vocabSize: number }> {
  const manifest = await readManifest(t.domain);
  const config = parseModelConfig({
    architecture: 'LlamaForCausalLM',
    vocabSize: manifest.vocabSize,
    hiddenSize: 96,
    intermediateSize: 256,
    numHiddenLayers: 2,
    numAttentionHeads: 4,
    numKeyValueHeads: 2,
    tieWordEmbeddings: true,
    maxPositionEmbeddings: 256,
  });
  const trainer = await LlamaTrainer.create(config, { batchSize: 8, contextLength: 64, threads: 2, seed: 3 });
  try {
    const train = new TokenWindows(splitShards(t.domain, manifest, 'train'), 64, 1);
    let loss = Infinity;
    await runTraining(trainer, {
      runDir,
      totalSteps: 600,
      schedule: { peakLr: 1e-2, warmupSteps: 20 },
      seed: 1,
      train,
      onProgress: (p) => (loss = p.loss),
    });
    train.close();
    mkdirSync(folder);
    await trainer.saveModel(folder);
    return { loss, vocabSize: manifest.vocabSize };
  } finally {
    await trainer.close();
  }
}
