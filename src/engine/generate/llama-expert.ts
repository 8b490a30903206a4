// A LlamaModel as one expert of an EnsembleDecoder: its KV-cached decoder for the next-token logits, and
// its score graph for the per-position log-likelihood of the prompt that the domain posterior reads.
import type { LlamaModel } from '../runtime/llama-model';
import type { ExpertSession } from './ensemble-decoder';

/**
 * The prompt is scored by the score graph rather than by full logits of every position: the score graph
 * returns [T] numbers where full logits would be [T, V] (a 1000-token chat with a 150k vocabulary is
 * 600 MB). That costs a second forward pass over the prompt; generation steps are unaffected.
 */
export function llamaExpertSession(model: LlamaModel): ExpertSession {
  const decoder = model.decoder();
  return {
    maxContext: decoder.maxContext,
    async prefillScored(ids) {
      const promptLogProbs = ids.length > 1 ? await model.score(ids.slice(0, -1), ids.slice(1), 1) : new Float32Array(0);
      // The decoder last: its logits are consumed before this session runs again.
      const logits = await decoder.prefill(ids);
      return { logits, promptLogProbs };
    },
    step: (id) => decoder.step(id),
  };
}
