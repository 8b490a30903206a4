// The adapter gradients of the one forward against central finite differences on a tiny model: the loss of
// llamaForward with every projection adapted (base weights constants, A and B the graph's inputs, both
// random so that both have gradients), autodiff's d loss / dA, dB against numerical ones. float32, since
// the forward's rotary tables are float32: the harness's float32 step and tolerance (gradcheck.ts).
import { describe, it } from 'vitest';
import { parseModelConfig } from '../../../../src/engine/model/config';
import { initParameters } from '../../../../src/engine/model/init';
import { adapterOf } from '../../../../src/engine/model/llama/adapter';
import { llamaForward } from '../../../../src/engine/model/llama/forward';
import { LORA_TARGETS, loraSpecs, type LoraConfig } from '../../../../src/engine/model/lora';
import { gradCheck } from '../../graph/gradcheck';

describe('adapter gradients against finite differences', () => {
  for (const architecture of ['LlamaForCausalLM', 'Qwen2ForCausalLM'] as const) {
    it(`${architecture}: d loss / dA and dB of every target`, async () => {
      const config = parseModelConfig({
        architecture,
        vocabSize: 11,
        hiddenSize: 8,
        intermediateSize: 12,
        numHiddenLayers: 2,
        numAttentionHeads: 2,
        numKeyValueHeads: 1,
        initializerRange: 0.3,
        ...(architecture === 'Qwen2ForCausalLM' ? { qkvBias: true } : {}),
      });
      const lora: LoraConfig = { rank: 2, alpha: 3, targets: LORA_TARGETS };
      const specs = loraSpecs(config, lora);
      const weights = [...initParameters(config, 3)];
      const [B, T] = [2, 5];
      await gradCheck({
        name: `adapter-${architecture}`,
        dtype: 'float32',
        sample: 6,
        // A smaller step than the harness's float32 default (1e-2): the loss curves enough over A and B that 1e-2 leaves 0.3 % of truncation error.
        eps: 3e-3,
        inputs: specs.map((s) => ({ shape: [...s.shape], init: (_i: number, rng) => 0.5 * rng.normal() })),
        aux: [
          { dtype: 'int64', shape: [B, T], feed: [B, T], values: [1, 4, 9, 2, 0, 10, 3, 3, 7, 5] },
          { dtype: 'int64', shape: [B, T], feed: [B, T], values: [4, 9, 2, 0, 6, 3, 3, 7, 5, 1] },
        ],
        build: (g, xs, [ids, targets]) => {
          const base = new Map(weights.map(({ spec, data }) => [spec.name, g.constant(data, 'float32', spec.shape)]));
          const factors = new Map(specs.map((s, i) => [s.name, xs[i]!]));
          const adapter = adapterOf(config, lora, (name) => factors.get(name)!);
          const { logits } = llamaForward(g, config, (name) => base.get(name)!, ids!, { adapter });
          return g.reduceMean(g.softmaxCrossEntropy(logits, targets!));
        },
      });
    });
  }
});
