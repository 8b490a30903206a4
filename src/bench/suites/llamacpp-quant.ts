// The quantized half of the "llamacpp" suite: Grove's 8- and 4-bit decode (MatMulNBits) against llama.cpp on
// the Q8_0 and Q4_0 GGUF exports of the same weights (which hold the same quantized values: quant/plan.ts),
// interleaved, same threads; and the perplexity cost of each quantization in both runtimes on held-out Brown
// text (log-likelihoods of the same tokens, each runtime's quantized model against its own f32 one).
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportModel } from '../../engine/export/index';
import { argmax } from '../../engine/generate/sampling';
import type { ModelQuant } from '../../engine/quant/plan';
import { LlamaModel } from '../../engine/runtime/llama-model';
import { brownDocuments } from '../../engine/tokenize/brown';
import { loadTokenizer } from '../../engine/tokenize/load';
import { openLlamaCpp } from '../llama-cpp';
import type { Figure } from '../report';
import type { BenchContext } from '../run';
import { interleaved } from '../timing';

const QUANTS = [
  { quant: '8', gguf: 'q8_0', label: '8-bit', llama: 'Q8_0' },
  { quant: '4', gguf: 'q4_0', label: '4-bit', llama: 'Q4_0' },
] as const;

/** Grove's greedy decode from token 1, on a model opened at `quant`. */
export async function groveDecode(folder: string, o: { threads: number; tokens: number; quant?: ModelQuant; profilePrefix?: string }): Promise<{ model: LlamaModel; run: () => Promise<number[]> }> {
  const model = await LlamaModel.open(folder, { threads: o.threads, ...(o.quant ? { quant: o.quant } : {}), ...(o.profilePrefix ? { profilePrefix: o.profilePrefix } : {}) });
  const run = async () => {
    const d = model.decoder();
    let logits = await d.prefill([1]);
    const out: number[] = [];
    for (let i = 0; i < o.tokens; i++) {
      out.push(argmax(logits));
      if (i + 1 < o.tokens) logits = await d.step(out[i]!);
    }
    return out;
  };
  return { model, run };
}

async function ggufAt(folder: string, name: string, dtype: 'f32' | 'q8_0' | 'q4_0'): Promise<string> {
  const gguf = join(tmpdir(), `grove-bench-export-${name}${dtype === 'f32' ? '' : `-${dtype}`}.gguf`);
  if (!existsSync(gguf)) await exportModel({ folder, format: 'gguf', out: gguf, dtype });
  return gguf;
}

const perplexity = (logLik: ArrayLike<number>): number => Math.exp(-Array.from(logLik).reduce((a, b) => a + b, 0) / logLik.length);

/** Perplexity of `ids` under Grove at `quant` and under llama.cpp on the GGUF of `dtype`. */
async function perplexities(folder: string, gguf: string, quant: ModelQuant, ids: readonly number[], threads: number): Promise<{ grove: number; llama: number }> {
  const model = await LlamaModel.open(folder, { threads, quant });
  const grove = perplexity(await model.score(ids.slice(0, -1), ids.slice(1), 1));
  await model.close();
  const llama = await openLlamaCpp(gguf, { threads, contextSize: 256 });
  const llamaPpl = perplexity(await llama.logLikelihoods(ids));
  await llama.close();
  return { grove, llama: llamaPpl };
}

/** Decode and perplexity rows for one shape's bench model (random init: the perplexity rows measure the quantization's deviation, not language quality). */
export async function quantizedRows(name: string, folder: string, ctx: BenchContext): Promise<Figure[]> {
  const tokens = ctx.quick ? 16 : 64;
  const rounds = ctx.quick ? 2 : 7;
  const tokenizer = await loadTokenizer(folder);
  // Brown documents after the 20 the bench tokenizer was trained on; 255 tokens fit llama.cpp's 256-token context.
  const heldOut = [...tokenizer.encode([...brownDocuments(23)].slice(20).join('\n\n'))].slice(0, ctx.quick ? 64 : 255);
  const base = await perplexities(folder, await ggufAt(folder, name, 'f32'), 'f32', heldOut, ctx.threads);
  const figures: Figure[] = [];
  for (const q of QUANTS) {
    const gguf = await ggufAt(folder, name, q.gguf);
    const grove = await groveDecode(folder, { threads: ctx.threads, tokens, quant: q.quant });
    const llama = await openLlamaCpp(gguf, { threads: ctx.threads, contextSize: 256 });
    const t = await interleaved({ grove: grove.run, llama: () => llama.greedy([1], tokens) }, { warmup: 1, rounds });
    const [groveTokens, llamaTokens] = [await grove.run(), await llama.greedy([1], tokens)];
    await llama.close();
    await grove.model.close();
    const equal = groveTokens.filter((tok, i) => tok === llamaTokens[i]).length;
    const [groveRate, llamaRate] = [tokens / (t.grove.medianMs / 1000), tokens / (t.llama.medianMs / 1000)];
    ctx.log(`  ${name} ${q.label}: Grove ${groveRate.toFixed(1)} tok/s vs llama.cpp ${q.llama} ${llamaRate.toFixed(1)} tok/s (${equal}/${tokens} greedy tokens equal)`);
    figures.push({ name: `decode tokens/s (${name}, Grove ${q.label} vs llama.cpp ${q.llama}, greedy, ${tokens} tokens; both ${ctx.threads} threads)`, value: groveRate, unit: 'tok/s', reference: { name: `llama.cpp ${q.llama}`, value: llamaRate }, note: `target >= 1.0x; same quantized weights; ${equal}/${tokens} greedy tokens equal; medians of ${rounds} runs each, interleaved` });
    const p = await perplexities(folder, gguf, q.quant, heldOut, ctx.threads);
    const cost = (quantized: number, f32: number): string => `${quantized.toFixed(2)} (${quantized >= f32 ? '+' : ''}${(100 * (quantized / f32 - 1)).toFixed(2)} % over f32 ${f32.toFixed(2)})`;
    figures.push({ name: `perplexity at ${q.label} (${name}, ${heldOut.length} held-out Brown tokens)`, value: p.grove, unit: '', reference: { name: `llama.cpp ${q.llama}`, value: p.llama }, note: `Grove ${cost(p.grove, base.grove)}, llama.cpp ${cost(p.llama, base.llama)}; random-init weights: the cost is the quantization's deviation, not a language model's; target: Grove's cost no worse than llama.cpp's` });
  }
  return figures;
}
