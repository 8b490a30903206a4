// Perplexity and bits per byte of a model on a domain split: non-overlapping windows of T+1 tokens read
// in order from the split's shards, scored in batches; loss = mean next-token negative log-likelihood.
//   perplexity = exp(loss); bits per byte = loss * (tokens / UTF-8 text bytes) / ln 2.
import { closeSync, openSync, readSync } from 'node:fs';
import { GroveError } from '../../shared/api/errors';
import { readManifest, splitShards } from '../corpus/manifest';
import type { Split } from '../corpus/types';

/** Anything that scores [B, T] windows: one model, or an ensemble of experts. */
export interface WindowScorer {
  score(inputs: ArrayLike<number>, targets: ArrayLike<number>, batch: number): Promise<Float32Array>;
}

export interface Evaluation {
  split: Split;
  loss: number;
  perplexity: number;
  bitsPerByte: number;
  /** Predicted tokens that were scored. */
  tokens: number;
}

export interface EvalOptions {
  contextLength: number; // T
  batchSize: number; // B
  /** Stop after this many predicted tokens (the benchmark's quick mode). */
  maxTokens?: number;
}

/** Yields [T+1]-token windows in file order; a shard's tail shorter than a window is skipped. */
function* windows(files: { path: string; dtype: 'uint16' | 'uint32'; tokens: number }[], T: number): Generator<Int32Array> {
  for (const f of files) {
    const bpt = f.dtype === 'uint16' ? 2 : 4;
    const fd = openSync(f.path, 'r');
    try {
      const buf = Buffer.alloc((T + 1) * bpt);
      for (let start = 0; start + T + 1 <= f.tokens; start += T + 1) {
        readSync(fd, buf, 0, buf.length, start * bpt);
        const w = new Int32Array(T + 1);
        for (let i = 0; i <= T; i++) w[i] = bpt === 2 ? buf.readUInt16LE(i * 2) : buf.readUInt32LE(i * 4);
        yield w;
      }
    } finally {
      closeSync(fd);
    }
  }
}

/** Windows taken in turn from each file (one from the first, one from the second, ...): a bounded sample of text made of several domains reads every one of them. */
export function* interleavedWindows(
  files: { path: string; dtype: 'uint16' | 'uint32'; tokens: number }[],
  T: number,
): Generator<Int32Array> {
  const readers = files.map((f) => windows([f], T));
  while (readers.length > 0) {
    for (let i = 0; i < readers.length;) {
      const next = readers[i]!.next();
      if (next.done) readers.splice(i, 1);
      else {
        yield next.value;
        i++;
      }
    }
  }
}

/** Sum of next-token negative log-likelihoods over windows of T+1 tokens, in batches of B, stopping after maxTokens predictions. */
export async function scoreWindows(
  scorer: WindowScorer,
  source: Iterable<Int32Array>,
  o: EvalOptions,
): Promise<{ nll: number; count: number }> {
  const { contextLength: T, batchSize: B } = o;
  let nll = 0;
  let count = 0;
  let batch: Int32Array[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const inputs = new Int32Array(batch.length * T);
    const targets = new Int32Array(batch.length * T);
    batch.forEach((w, b) => {
      inputs.set(w.subarray(0, T), b * T);
      targets.set(w.subarray(1), b * T);
    });
    const logp = await scorer.score(inputs, targets, batch.length);
    for (let i = 0; i < logp.length; i++) nll -= logp[i] as number;
    count += logp.length;
    batch = [];
  };
  for (const w of source) {
    batch.push(w);
    if (batch.length === B) await flush();
    if (o.maxTokens !== undefined && count >= o.maxTokens) break;
  }
  await flush();
  return { nll, count };
}

export async function evaluateSplit(scorer: WindowScorer, domainDir: string, split: Split, o: EvalOptions): Promise<Evaluation> {
  const manifest = await readManifest(domainDir);
  const files = splitShards(domainDir, manifest, split);
  const T = o.contextLength;
  const stats = manifest.splits[split];
  const { nll, count } = await scoreWindows(scorer, windows(files, T), o);
  if (count === 0)
    throw new GroveError(
      'bad_input',
      `The ${split} split of ${domainDir} holds ${stats.tokens} tokens, fewer than one window of ${T + 1}: evaluate with a shorter context or add text.`,
    );
  const loss = nll / count;
  return {
    split,
    loss,
    perplexity: Math.exp(loss),
    bitsPerByte: (loss * (stats.tokens / Math.max(1, stats.textBytes))) / Math.LN2,
    tokens: count,
  };
}
