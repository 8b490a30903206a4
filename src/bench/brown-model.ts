// A Llama that Grove trains on Brown corpus text with a 512-token BPE, for what needs a model whose
// predictions mean something (a varied greedy continuation, a perplexity well below uniform): the tests of
// the GGUF export's parity with llama.cpp and of the quantized graphs' costs (by default 2 layers of width 96,
// 600 steps), and the benchmark's quantization costs on a language model. Also a held-out text (Brown
// documents the tokenizer and the model never saw).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ingestFolder } from '../engine/corpus/ingest';
import { readManifest, splitShards } from '../engine/corpus/manifest';
import { corpusTokenizer } from '../engine/corpus/types';
import { parseModelConfig, type ModelConfig } from '../engine/model/config';
import { brownDocuments } from '../engine/tokenize/brown';
import { loadTokenizer, tokenizerFromJson } from '../engine/tokenize/load';
import { saveTokenizerFiles } from '../engine/tokenize/trained-json';
import { trainByteLevelBpe } from '../engine/tokenize/train-bpe';
import { runTraining } from '../engine/train/loop';
import { LlamaTrainer } from '../engine/train/step-runner';
import { TokenWindows } from '../engine/train/windows';

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

/** The tokenizer and domain brownTokenizer(dir) wrote before, opened again (in another process, say). */
export async function openBrownTokenizer(dir: string): Promise<BrownTokenizer> {
  const tokenizerDir = join(dir, 'tokenizer');
  const tokenizer = await loadTokenizer(join(tokenizerDir, 'tokenizer.json'));
  return { tokenizerDir, domain: join(dir, 'brown'), encode: (text) => [...tokenizer.encode(text)] };
}

/** `count` tokens of Brown documents after the training ones. */
export function heldOutBrownTokens(t: BrownTokenizer, count: number): number[] {
  const docs = [...brownDocuments(TRAIN_DOCUMENTS + 3)].slice(TRAIN_DOCUMENTS);
  return t.encode(docs.join('\n\n')).slice(0, count);
}

/** The shape trainBrownModel trains unless told otherwise: 2 layers of width 96 (the tests' model). */
const DEFAULT_SHAPE: Partial<ModelConfig> = {
  hiddenSize: 96,
  intermediateSize: 256,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
  maxPositionEmbeddings: 256,
};

export interface BrownTraining {
  /** The model's shape (the vocabulary is the tokenizer's); default DEFAULT_SHAPE. */
  shape?: Partial<ModelConfig>;
  /** Default 600 steps of 8 windows of 64 tokens at a peak learning rate of 1e-2. */
  steps?: number;
  batchSize?: number;
  contextLength?: number;
  peakLr?: number;
  onStep?: (step: number, loss: number) => void;
}

/** Trains the model on the tokenizer's domain and saves it to `folder`; returns its last training loss and its config. */
export async function trainBrownModel(
  t: BrownTokenizer,
  runDir: string,
  folder: string,
  o: BrownTraining = {},
): Promise<{ loss: number; config: ModelConfig }> {
  const manifest = await readManifest(t.domain);
  const contextLength = o.contextLength ?? 64;
  const config = parseModelConfig({
    architecture: 'LlamaForCausalLM',
    ...(o.shape ?? DEFAULT_SHAPE),
    vocabSize: manifest.vocabSize,
    tieWordEmbeddings: true,
  });
  const trainer = await LlamaTrainer.create(config, { batchSize: o.batchSize ?? 8, contextLength, threads: 2, seed: 3 });
  try {
    const train = new TokenWindows(splitShards(t.domain, manifest, 'train'), contextLength, 1);
    let loss = Infinity;
    await runTraining(trainer, {
      runDir,
      totalSteps: o.steps ?? 600,
      schedule: { peakLr: o.peakLr ?? 1e-2, warmupSteps: 20 },
      seed: 1,
      train,
      onProgress: (p) => {
        loss = p.loss;
        o.onStep?.(p.step, p.loss);
      },
    });
    train.close();
    mkdirSync(folder);
    await trainer.saveModel(folder);
    return { loss, config };
  } finally {
    await trainer.close();
  }
}
