// The Q8_0 and Q4_0 GGUF exports in llama.cpp (node-llama-cpp's prebuilt binary), on a model Grove trained on
// Brown text. Two checks per type: llama.cpp on the quantized file agrees with Grove running the f32 values
// the blocks stand for (test/helpers/quant.ts): same greedy tokens, per-token log-likelihoods close, which only
// a correct block layout gives; and its perplexity on held-out text stays within the bound below of Grove's f32
// model, the cost of the quantization itself. Bounds: llama.cpp computes the dot products of Q8_0/Q4_0 weights
// against activations it rounds to Q8_0 blocks, so it may differ from the dequantized weights in f32 by a few
// hundredths of a nat at a token (measured 0.022 and 0.033: bound 0.05); the perplexity cost measured on this
// model is 0.05 % (Q8_0) and under 0.1 % (Q4_0): bounds of 1 % and 10 %, what llama.cpp reports for these
// types on real models (Q4_0 costs a few %), so a broken quantizer (a wrong scale or nibble order costs far
// more) fails while the quantization's own noise passes.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openLlamaCpp } from '../../../src/bench/llama-cpp';
import { exportModel } from '../../../src/engine/export/index';
import { argmax } from '../../../src/engine/generate/sampling';
import { LlamaModel } from '../../../src/engine/runtime/llama-model';
import { heldOutBrownTokens, type BrownTokenizer } from '../../../src/bench/brown-model';
import { sharedBrownModel } from '../../helpers/brown-model';
import { writeDequantizedModel } from '../../helpers/quant';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
let folder = '';
let brown: BrownTokenizer;
let heldOut: number[] = [];
let prompt: number[] = [];

/** Grove's log p(ids[i+1] | ids[..i]) through its score graph, and its greedy continuation of `prompt`. */
async function grove(modelFolder: string): Promise<{ logLik: Float32Array; greedy: number[] }> {
  const model = await LlamaModel.open(modelFolder, { threads: 2 });
  try {
    const logLik = await model.score(heldOut.slice(0, -1), heldOut.slice(1), 1);
    const decoder = model.decoder();
    let logits = await decoder.prefill(prompt);
    const greedy: number[] = [];
    for (let i = 0; i < 32; i++) {
      greedy.push(argmax(logits));
      if (i + 1 < 32) logits = await decoder.step(greedy[i]!);
    }
    return { logLik, greedy };
  } finally {
    await model.close();
  }
}

async function llamaCpp(gguf: string): Promise<{ logLik: Float64Array; greedy: number[] }> {
  const runner = await openLlamaCpp(gguf, { threads: 2 });
  try {
    return { logLik: await runner.logLikelihoods(heldOut), greedy: await runner.greedy(prompt, 32) };
  } finally {
    await runner.close();
  }
}

const perplexity = (logLik: ArrayLike<number>): number => Math.exp(-Array.from(logLik).reduce((a, b) => a + b, 0) / logLik.length);
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i]!)));

beforeAll(async () => {
  const trained = await sharedBrownModel();
  brown = trained.brown;
  folder = trained.folder;
  heldOut = heldOutBrownTokens(brown, 240);
  prompt = brown.encode('The jury said it did find that the');
}, 300_000);

describe('Q8_0 and Q4_0 GGUF exports in llama.cpp', { timeout: 300_000 }, () => {
  it('f32 first: llama.cpp log-likelihoods read this way equal Grove f32 (the measuring stick is sound)', async () => {
    const gguf = join(dir, 'f32.gguf');
    await exportModel({ folder, format: 'gguf', out: gguf, tokenizerDir: brown.tokenizerDir });
    const [g, l] = [await grove(folder), await llamaCpp(gguf)];
    console.log(
      `f32: perplexity Grove ${perplexity(g.logLik).toFixed(3)}, llama.cpp ${perplexity(l.logLik).toFixed(3)}; max |d log p| ${maxAbsDiff(g.logLik, l.logLik).toExponential(2)}`,
    );
    // llama.cpp hands back probabilities as f32: log p of a rare token keeps about 1e-3 of absolute precision.
    expect(maxAbsDiff(g.logLik, l.logLik)).toBeLessThan(5e-3);
  });

  for (const type of ['q8_0', 'q4_0'] as const) {
    it(`${type}: llama.cpp agrees with the dequantized weights in Grove, and its perplexity cost is bounded`, async () => {
      const gguf = join(dir, `${type}.gguf`);
      await exportModel({ folder, format: 'gguf', out: gguf, dtype: type, tokenizerDir: brown.tokenizerDir });
      const { readGgufFileInfo } = await import('node-llama-cpp');
      const types = new Map(
        (await readGgufFileInfo(gguf, { logWarnings: false })).fullTensorInfo!.map((t) => [t.name, t.ggmlType as number]),
      );
      expect(types.get('blk.0.ffn_down.weight')).toBe(type === 'q8_0' ? 8 : 2);
      expect(types.get('token_embd.weight')).toBe(8); // the tied head: Q8_0 in both
      expect(types.get('blk.0.attn_norm.weight')).toBe(0);
      const dequantized = join(dir, `dequantized-${type}`);
      await writeDequantizedModel(folder, dequantized, type);
      const [f32, same, l] = [await grove(folder), await grove(dequantized), await llamaCpp(gguf)];
      const [p32, pSame, pLlama] = [perplexity(f32.logLik), perplexity(same.logLik), perplexity(l.logLik)];
      console.log(
        `${type}: perplexity Grove f32 ${p32.toFixed(3)}, Grove on the dequantized weights ${pSame.toFixed(3)}, llama.cpp ${pLlama.toFixed(3)}; max |d log p| llama.cpp vs dequantized ${maxAbsDiff(same.logLik, l.logLik).toExponential(2)}, dequantized vs f32 ${maxAbsDiff(same.logLik, f32.logLik).toExponential(2)}; greedy equal to f32 ${l.greedy.filter((t, i) => t === f32.greedy[i]).length}/32`,
      );
      expect(l.greedy).toEqual(same.greedy);
      expect(maxAbsDiff(same.logLik, l.logLik)).toBeLessThan(0.05);
      expect(pLlama / p32).toBeLessThan(type === 'q8_0' ? 1.01 : 1.1);
    });
  }
});
