// The whole train-step backward of tiny Llama / Qwen2 models against central finite differences of the
// loss in float64 (GQA on; tied and untied embeddings; Qwen2 q/k/v biases), at sampled entries of every tensor.
import { describe, expect, it } from 'vitest';
import { toFloat64 } from '../../../../src/engine/graph/autodiff/precision';
import { encodeModel } from '../../../../src/engine/graph/onnx/encode';
import { gradsGraph } from '../../../../src/engine/graph/train/graphs';
import { parseModelConfig, type ModelConfigInput } from '../../../../src/engine/model/config';
import { initParameters } from '../../../../src/engine/model/init';
import { Rng } from '../../../../src/engine/model/rng';
import { createSession, ort } from '../../../../src/engine/runtime/ort';

const base = { vocabSize: 13, hiddenSize: 16, intermediateSize: 24, numHiddenLayers: 2, numAttentionHeads: 4, numKeyValueHeads: 2, initializerRange: 0.3, rmsNormEps: 1e-5 };
const cases: { name: string; config: ModelConfigInput }[] = [
  { name: 'llama GQA, tied embeddings', config: { architecture: 'LlamaForCausalLM', ...base, tieWordEmbeddings: true } },
  { name: 'qwen2 GQA, q/k/v biases, untied', config: { architecture: 'Qwen2ForCausalLM', ...base, qkvBias: true, ropeTheta: 1e6 } },
  { name: 'llama, attention biases, MHA, untied', config: { architecture: 'LlamaForCausalLM', ...base, numKeyValueHeads: 4, qkvBias: true, oBias: true } },
];

describe('whole-model gradients vs finite differences (float64)', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const config = parseModelConfig(c.config);
      const B = 2;
      const T = 5;
      const session = await createSession(encodeModel({ graph: toFloat64(gradsGraph(config, { batchSize: B, contextLength: T })) }), { threads: 1 });
      const rng = new Rng(5, c.name);
      const params = [...initParameters(config, 3)].map(({ spec, data }) => ({
        spec,
        // Biases and norm weights perturbed away from 0 / 1 so their gradients are generic.
        data: Float64Array.from(data, (v) => (spec.role === 'bias' || spec.role === 'norm' ? v + 0.2 * (rng.uniform() - 0.5) : v)),
      }));
      const ids = Int32Array.from({ length: B * T }, () => rng.nextUint32() % config.vocabSize);
      const targets = Int32Array.from({ length: B * T }, () => rng.nextUint32() % config.vocabSize);
      const feeds = (): Record<string, ort.Tensor> => ({
        ...Object.fromEntries(params.map((p) => [p.spec.name, new ort.Tensor('float64', p.data, p.spec.shape)])),
        input_ids: new ort.Tensor('int32', ids, [B, T]),
        targets: new ort.Tensor('int32', targets, [B, T]),
      });
      const out = await session.run(feeds());
      const loss = async (): Promise<number> => ((await session.run(feeds(), ['loss'])).loss!.data as Float64Array)[0]!;
      const h = 1e-5;
      let checked = 0;
      for (const p of params) {
        const g = out[`grad.${p.spec.name}`]!.data as Float64Array;
        expect(g.length).toBe(p.data.length);
        for (let s = 0; s < 3; s++) {
          const k = rng.nextUint32() % p.data.length;
          const old = p.data[k]!;
          p.data[k] = old + h;
          const up = await loss();
          p.data[k] = old - h;
          const down = await loss();
          p.data[k] = old;
          const fd = (up - down) / (2 * h);
          if (Math.abs(fd - g[k]!) > 1e-8 + 1e-5 * Math.abs(g[k]!)) expect.fail(`${p.spec.name}[${k}]: autodiff ${g[k]} vs finite difference ${fd}`);
          checked++;
        }
        expect(g.some((v) => Math.abs(v) > 1e-6), `${p.spec.name} has an all-zero gradient`).toBe(true);
      }
      expect(checked).toBe(params.length * 3);
      await session.release();
    });
  }
});
