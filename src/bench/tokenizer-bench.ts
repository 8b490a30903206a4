// benchTokenizer(): Grove's encoder against Hugging Face's Rust `tokenizers` on the same Brown corpus text.
import { brownDocuments } from '../engine/tokenize/brown';
import { tokenizerFromJson } from '../engine/tokenize/load';
import { referenceTokenizer } from './tokenizer-reference';
import { trainByteLevelBpe } from '../engine/tokenize/train-bpe';
import { serializeJson } from '../engine/tokenize/trained-json';

export interface TokenizerBench {
  /** Encode throughput in MB (10^6 bytes of UTF-8 text) per second, one document per call. */
  readonly groveMBps: number;
  readonly referenceMBps: number;
  /** groveMBps / referenceMBps; the target is >= 0.5. */
  readonly ratio: number;
  /** The reference's encodeBatch over all documents at once (it may use several threads). */
  readonly referenceBatchMBps: number;
  readonly megabytes: number;
  readonly documents: number;
  readonly tokens: number;
  readonly vocabSize: number;
  readonly trainSeconds: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timeIt(run: () => Promise<void> | void, rounds: number): Promise<number> {
  const seconds: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    await run();
    seconds.push((performance.now() - start) / 1000);
  }
  return median(seconds);
}

/**
 * Trains a byte-level BPE on the Brown corpus, then encodes the corpus document by document with Grove and with
 * the reference, after one warm-up pass each; reports the median of `rounds` timed passes.
 */
export async function benchTokenizer(options: { vocabSize?: number; rounds?: number; documents?: number } = {}): Promise<TokenizerBench> {
  const docs = [...brownDocuments(options.documents)];
  const trained = await trainByteLevelBpe(docs, { vocabSize: options.vocabSize ?? 16_384 });
  const json = serializeJson(trained.tokenizerJson);
  const grove = tokenizerFromJson(trained.tokenizerJson, trained.tokenizerConfig);
  const reference = referenceTokenizer(json);
  const bytes = docs.reduce((sum, d) => sum + Buffer.byteLength(d, 'utf8'), 0);
  const rounds = options.rounds ?? 3;

  let tokens = 0;
  const groveRun = (): void => {
    tokens = 0;
    for (const d of docs) tokens += grove.encode(d).length;
  };
  const referenceRun = async (): Promise<void> => {
    for (const d of docs) (await reference.encode(d, null, { addSpecialTokens: false })).getIds();
  };
  const batchRun = async (): Promise<void> => {
    for (const e of await reference.encodeBatch(docs, { addSpecialTokens: false })) e.getIds();
  };
  await timeIt(groveRun, 1);
  await timeIt(referenceRun, 1);
  const groveSeconds = await timeIt(groveRun, rounds);
  const referenceSeconds = await timeIt(referenceRun, rounds);
  const batchSeconds = await timeIt(batchRun, rounds);
  const mb = bytes / 1e6;
  return {
    groveMBps: mb / groveSeconds,
    referenceMBps: mb / referenceSeconds,
    ratio: referenceSeconds / groveSeconds,
    referenceBatchMBps: mb / batchSeconds,
    megabytes: mb,
    documents: docs.length,
    tokens,
    vocabSize: grove.vocabSize,
    trainSeconds: trained.stats.seconds,
  };
}
