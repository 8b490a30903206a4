// A LlamaModel as one expert of an EnsembleDecoder: its KV-cached decoder for the next-token logits, and
// the per-position log-likelihood of the prompt that the domain posterior reads, from the same pass. With an
// adapter, one light expert on its base's sessions (an ensemble runs its light experts batched instead,
// light-experts.ts; this is that batch's exact reference, one expert at a time).
import type { LoadedAdapter } from '../runtime/adapter-feeds';
import { DEFAULT_PREFILL_CHUNK, type ChunkedPrefill, type LlamaModel } from '../runtime/llama-model';
import type { ExpertSession } from './ensemble-decoder';

/**
 * The prompt goes through the all-positions decode graph in chunks (DEFAULT_PREFILL_CHUNK tokens), which
 * fills the KV cache and shows each position's log-probabilities once: one forward pass over the prompt,
 * and never more than [chunk, V] of them in memory (a 1000-token chat with a 150k vocabulary would be
 * 600 MB whole). The graph does the log-softmax (small shape, 256 tokens: 34 ms of JS per prefill before).
 * A decoder without chunked prefill is served by the score graph plus a plain prefill (two passes).
 */
export function llamaExpertSession(model: LlamaModel, o: { chunk?: number; adapter?: LoadedAdapter } = {}): ExpertSession {
  // Log-probabilities straight from the graph: the ensemble mixes them as they are (no [V] pass in JS).
  const decoder = model.decoder({ logProbs: true, ...(o.adapter ? { adapter: o.adapter } : {}) });
  const V = model.config.vocabSize;
  const chunked = (decoder as Partial<ChunkedPrefill>).prefillChunks?.bind(decoder);
  return {
    maxContext: decoder.maxContext,
    normalised: true,
    async prefillScored(ids) {
      const promptLogProbs = new Float32Array(Math.max(0, ids.length - 1));
      if (!chunked) {
        if (ids.length > 1) promptLogProbs.set(await model.score(ids.slice(0, -1), ids.slice(1), 1, o.adapter));
        return { logits: await decoder.prefill(ids), promptLogProbs };
      }
      const logits = await chunked(
        ids,
        (rows, start) => {
          for (let r = 0; r * V < rows.length; r++) {
            const t = start + r;
            if (t + 1 < ids.length) promptLogProbs[t] = rows[r * V + ids[t + 1]!]!;
          }
        },
        o.chunk ?? DEFAULT_PREFILL_CHUNK,
      );
      return { logits, promptLogProbs };
    },
    step: (id) => decoder.step(id),
  };
}
