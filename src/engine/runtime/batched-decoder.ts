// k light experts over one base as one decoding session: every run feeds the same tokens to k batch rows,
// row j adding light expert j's low-rank products (its adapter fed as run inputs, adapter-feeds.ts), so the
// base's weights are read once per token for all k, where k full experts read k models. The rows share one
// length and one KV cache buffer per layer (each row its own keys and values). Decoding is memory-bound, so
// a token of k rows costs little more than a token of one; a prompt is compute-bound, and costs about k
// prompts of one model in the base's MatMuls (see bench suite `light`).
import { GroveError } from '../../shared/api/errors';
import { cacheForm } from '../model/llama/graphs';
import { adapterRow, type AdapterBatch } from './adapter-feeds';
import { DecodeCache } from './decode-cache';
import { DEFAULT_PREFILL_CHUNK, int64, type LlamaModel } from './llama-model';
import { ort } from './ort';

export interface BatchedPrefill {
  /** Per row, the next token's log-probabilities [V]. */
  logProbs: Float32Array[];
  /** Per row, log p(ids[t+1] | ids[<=t]) for t = 0..n-2. */
  promptLogProbs: Float32Array[];
}

export interface BatchedDecoder {
  readonly rows: number;
  readonly maxContext: number;
  /** Positions fed. */
  readonly length: number;
  /**
   * Feeds the prompt (a fresh sequence) in chunks, each row scoring it on the way (the graph gathers each
   * position's target log-probability, so S + V numbers per row come back, not S x V). A run covers at most
   * `chunk` (DEFAULT_PREFILL_CHUNK) rows x positions, which bounds the [B, S, V] head it holds. Where the
   * cache form cannot take a batched chunk after a past (GroupQueryAttention), the prompt goes on row by row.
   */
  prefillScored(ids: readonly number[], chunk?: number): Promise<BatchedPrefill>;
  /**
   * Feeds one token: per row, the next token's log-probabilities [V], and their mixture
   * log sum_b exp(logWeights[b]) p_b [V] (default: uniform weights), computed in the same run. Views of the
   * run's outputs: copy to keep.
   */
  step(id: number, logWeights?: ArrayLike<number>): Promise<BatchedStep>;
}

export interface BatchedStep {
  rows: Float32Array[];
  mixture: Float32Array;
}

/** Opens a batched decoder over `model` (the base) for the adapters of `batch` (row j = adapter j). */
export function batchedDecoder(model: LlamaModel, batch: AdapterBatch): BatchedDecoder {
  const { config } = model;
  const V = config.vocabSize;
  const B = batch.rows;
  const cache = new DecodeCache(config, cacheForm(config), B, model.options.kvCacheStep);
  /** The same ids in every row: [B, n]. */
  const rowsOf = (ids: readonly number[]) => {
    const all = new Array<number>(B * ids.length);
    for (let b = 0; b < B; b++) for (let t = 0; t < ids.length; t++) all[b * ids.length + t] = ids[t]!;
    return int64(all, [B, ids.length]);
  };
  const split = (data: Float32Array): Float32Array[] => Array.from({ length: B }, (_, b) => data.subarray(b * V, (b + 1) * V));
  /** Mixture weights [rows] (the prompt's runs do not read the mixture: any weights will do). */
  const mixWeights = (rows: number, logWeights?: ArrayLike<number>) =>
    new ort.Tensor('float32', logWeights ? Float32Array.from(logWeights) : new Float32Array(rows).fill(-Math.log(rows)), [rows]);
  return {
    rows: B,
    maxContext: config.maxPositionEmbeddings,
    get length() {
      return cache.length;
    },
    async prefillScored(ids, chunk = DEFAULT_PREFILL_CHUNK) {
      if (ids.length === 0) throw new GroveError('bad_input', 'A prefill needs at least one token.');
      cache.clear();
      const session = await model.session('decode-ensemble', batch.targets);
      const n = ids.length;
      const promptLogProbs = Array.from({ length: B }, () => new Float32Array(Math.max(0, n - 1)));
      const last = new Float32Array(B * V);
      for (let start = 0; start < n;) {
        // A batched run covers `chunk` rows x positions; a run of one row alone, `chunk` positions.
        const alone = cache.rowByRow(n - start);
        const S = Math.min(n - start, alone ? chunk : Math.max(1, Math.floor(chunk / B)));
        const part = ids.slice(start, start + S);
        // Position t's target is ids[t + 1]; the prompt's last position has none (0 stands in, unread).
        const targets = Array.from({ length: S }, (_, s) => ids[start + s + 1] ?? 0);
        /** Row `row`'s log-probabilities of its targets at [offset, offset + S) of `scored`, and its last position's. */
        const take = (row: number, scored: Float32Array, offset: number, logProbs: Float32Array) => {
          for (let s = 0; s < S && start + s < n - 1; s++) promptLogProbs[row]![start + s] = scored[offset + s]!;
          last.set(logProbs, row * V);
        };
        if (alone) {
          for (let b = 0; b < B; b++) {
            const out = await session.run({
              input_ids: int64(part, [1, S]),
              targets: int64(targets, [1, S]),
              mix_log_weights: mixWeights(1),
              ...cache.rowFeeds(b, S),
              ...adapterRow(batch, b),
            });
            cache.updateRow(b, out, S);
            take(b, out.token_logprobs!.data as Float32Array, 0, out.log_probs!.data as Float32Array);
          }
          cache.advance(S);
        } else {
          const out = await session.run({
            input_ids: rowsOf(part),
            targets: rowsOf(targets),
            mix_log_weights: mixWeights(B),
            ...cache.feeds(S),
            ...batch.feeds,
          });
          cache.update(out, S);
          const scored = out.token_logprobs!.data as Float32Array; // [B, S]
          const logProbs = out.log_probs!.data as Float32Array; // [B, 1, V]
          for (let b = 0; b < B; b++) take(b, scored, b * S, logProbs.subarray(b * V, (b + 1) * V));
        }
        start += S;
      }
      return { logProbs: split(last), promptLogProbs };
    },
    async step(id, logWeights) {
      const session = await model.session('decode-ensemble', batch.targets);
      if (logWeights && logWeights.length !== B)
        throw new GroveError('internal', `A batched step of ${B} rows was given ${logWeights.length} mixture weights.`);
      // The one position's target is not known yet (0 stands in; its score is not read).
      const out = await session.run({
        input_ids: rowsOf([id]),
        targets: rowsOf([0]),
        mix_log_weights: mixWeights(B, logWeights),
        ...cache.feeds(1),
        ...batch.feeds,
      });
      cache.update(out, 1);
      return { rows: split(out.log_probs!.data as Float32Array), mixture: out.mixture!.data as Float32Array };
    },
  };
}
