// Light experts over one base as one batch of an EnsembleDecoder: the members that run become the rows of
// one batched decoder (runtime/batched-decoder.ts), so a token reads the base's weights once for all of them
// and each row adds its own adapter's low-rank products. The prompt is scored in the same pass that fills the
// KV cache (each row's log-probability of every next prompt token, for the domain posterior).
import { batchAdapters, type LoadedAdapter } from '../runtime/adapter-feeds';
import { batchedDecoder } from '../runtime/batched-decoder';
import type { LlamaModel } from '../runtime/llama-model';
import type { ExpertBatch } from './ensemble-decoder';

/** The light experts with these adapters over `base` (member i = adapters[i]); `chunk` as in BatchedDecoder.prefillScored. */
export function lightExpertBatch(base: LlamaModel, adapters: readonly LoadedAdapter[], o: { chunk?: number } = {}): ExpertBatch {
  return {
    open(members) {
      const decoder = batchedDecoder(
        base,
        batchAdapters(
          base.config,
          members.map((m) => adapters[m]!),
        ),
      );
      return {
        maxContext: decoder.maxContext,
        // Log-probabilities straight from the graph: the ensemble mixes them as they are.
        normalised: true,
        async prefillScored(ids) {
          const r = await decoder.prefillScored(ids, o.chunk);
          return { logits: r.logProbs, promptLogProbs: r.promptLogProbs };
        },
        // The rows' mixture under the ensemble's weights comes from the same run (ONNX Runtime's Exp, not JS's).
        step: (id, logWeights) => decoder.step(id, logWeights),
      };
    },
  };
}
