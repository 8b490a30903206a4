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
import { kernelMs, opTable, profileOps } from '../ort-profile';
import type { Figure } from '../report';
import type { BenchContext } from '../run';
import { interleaved } from '../timing';

const QUANTS = [
  { quant: '8', gguf: 'q8_0', label: '8-bit', llama: 'Q8_0' },
  { quant: '4', gguf: 'q4_0', label: '4-bit', llama: 'Q4_0' },
] as const;

/** Grove's greedy decode from token 1, on a model opened at `quant`. */
export async function groveDecode(
  folder: string,
  o: { threads: number; tokens: number; quant?: ModelQuant; profilePrefix?: string },
): Promise<{ model: LlamaModel; run: () => Promise<number[]> }> {
  const model = await LlamaModel.open(folder, {
    threads: o.threads,
    ...(o.quant ? { quant: o.quant } : {}),
    ...(o.profilePrefix ? { profilePrefix: o.profilePrefix } : {}),
  });
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

/**
 * ONNX Runtime's op-by-op profile of one greedy decode of `tokens` tokens at `quant` (a separate session:
 * profiling slows the run), as a markdown section beside the unprofiled and llama.cpp per-token times.
 */
export async function decodeProfile(
  folder: string,
  name: string,
  o: { threads: number; tokens: number; quant: ModelQuant; groveMsPerToken: number; llamaMsPerToken: number },
): Promise<string> {
  const ops = await profileOps(`grove-bench-decode-profile-${name}-${o.quant}`, async (prefix) => {
    const profiled = await groveDecode(folder, { threads: o.threads, tokens: o.tokens, quant: o.quant, profilePrefix: prefix });
    await profiled.run();
    await profiled.model.endProfiling();
    await profiled.model.close();
  });
  const weights = o.quant === 'f32' ? 'f32' : `${o.quant}-bit`;
  return [
    `Grove decode, ${name}, ${weights} weights: ONNX Runtime kernel time by op over ${o.tokens} greedy tokens (one profiled run: ${kernelMs(ops, o.tokens).toFixed(2)} ms of kernels per token; unprofiled, a token takes ${o.groveMsPerToken.toFixed(2)} ms in all, so read the shares, not the absolute times). llama.cpp takes ${o.llamaMsPerToken.toFixed(2)} ms per token at its best thread count.`,
    '',
    opTable(ops, o.tokens, 'token'),
  ].join('\n');
}

export interface LlamaCppTiming {
  threads: number;
  /** llama.cpp's and Grove's tokens/s, each the median of its runs, the two interleaved. */
  rate: number;
  groveRate: number;
  tokens: number[];
}

/**
 * llama.cpp's greedy decode of `tokens` tokens on `gguf` at `threads`, interleaved with Grove's `groveRun`
 * (Grove, llama.cpp, Grove, ...), so a passing load hits both alike.
 */
export async function llamaCppAgainst(
  gguf: string,
  groveRun: () => Promise<number[]>,
  o: { threads: number; tokens: number; rounds: number },
): Promise<LlamaCppTiming> {
  const llama = await openLlamaCpp(gguf, { threads: o.threads, contextSize: 256 });
  try {
    const t = await interleaved({ grove: groveRun, llama: () => llama.greedy([1], o.tokens) }, { warmup: 1, rounds: o.rounds });
    return {
      threads: o.threads,
      rate: o.tokens / (t.llama.medianMs / 1000),
      groveRate: o.tokens / (t.grove.medianMs / 1000),
      tokens: await llama.greedy([1], o.tokens),
    };
  } finally {
    await llama.close();
  }
}

/**
 * llama.cpp at the bench's threads and, where that is more than one, at one thread: its worker threads spin
 * while waiting, so on a machine with as many cores as threads they contend with Node's own (measured up to 5x
 * slower here). The strongest of the two is the baseline.
 */
export async function llamaCppAtBest(
  gguf: string,
  groveRun: () => Promise<number[]>,
  o: { threads: number; tokens: number; rounds: number },
): Promise<{ same: LlamaCppTiming; one: LlamaCppTiming | null; best: LlamaCppTiming }> {
  const same = await llamaCppAgainst(gguf, groveRun, o);
  const one = o.threads > 1 ? await llamaCppAgainst(gguf, groveRun, { ...o, threads: 1 }) : null;
  return { same, one, best: one && one.rate > same.rate ? one : same };
}

async function ggufAt(folder: string, name: string, dtype: 'f32' | 'q8_0' | 'q4_0'): Promise<string> {
  const gguf = join(tmpdir(), `grove-bench-export-${name}${dtype === 'f32' ? '' : `-${dtype}`}.gguf`);
  if (!existsSync(gguf)) await exportModel({ folder, format: 'gguf', out: gguf, dtype });
  return gguf;
}

const perplexity = (logLik: ArrayLike<number>): number => Math.exp(-Array.from(logLik).reduce((a, b) => a + b, 0) / logLik.length);

/** Perplexity of `ids` under Grove at `quant` and under llama.cpp on the GGUF of `dtype`. */
async function perplexities(
  folder: string,
  gguf: string,
  quant: ModelQuant,
  ids: readonly number[],
  threads: number,
): Promise<{ grove: number; llama: number }> {
  const model = await LlamaModel.open(folder, { threads, quant });
  const grove = perplexity(await model.score(ids.slice(0, -1), ids.slice(1), 1));
  await model.close();
  const llama = await openLlamaCpp(gguf, { threads, contextSize: 256 });
  const llamaPpl = perplexity(await llama.logLikelihoods(ids));
  await llama.close();
  return { grove, llama: llamaPpl };
}

/**
 * Decode and perplexity rows for one shape's bench model (random init: the perplexity rows measure the
 * quantization's deviation, not language quality), and the profile of each quantized decode.
 */
export async function quantizedRows(
  name: string,
  folder: string,
  ctx: BenchContext,
): Promise<{ figures: Figure[]; profiles: Map<string, string> }> {
  const tokens = ctx.quick ? 16 : 64;
  const rounds = ctx.quick ? 2 : 7;
  const tokenizer = await loadTokenizer(folder);
  // Brown documents after the 20 the bench tokenizer was trained on; 255 tokens fit llama.cpp's 256-token context.
  const heldOut = [...tokenizer.encode([...brownDocuments(23)].slice(20).join('\n\n'))].slice(0, ctx.quick ? 64 : 255);
  const base = await perplexities(folder, await ggufAt(folder, name, 'f32'), 'f32', heldOut, ctx.threads);
  const figures: Figure[] = [];
  const profiles = new Map<string, string>();
  for (const q of QUANTS) {
    const gguf = await ggufAt(folder, name, q.gguf);
    const grove = await groveDecode(folder, { threads: ctx.threads, tokens, quant: q.quant });
    const groveTokens = await grove.run();
    const { same, one, best } = await llamaCppAtBest(gguf, grove.run, { threads: ctx.threads, tokens, rounds });
    await grove.model.close();
    profiles.set(
      q.label,
      await decodeProfile(folder, name, {
        threads: ctx.threads,
        tokens,
        quant: q.quant,
        groveMsPerToken: 1000 / best.groveRate,
        llamaMsPerToken: 1000 / best.rate,
      }),
    );
    const equal = groveTokens.filter((tok, i) => tok === same.tokens[i]).length;
    const rates = [same, ...(one ? [one] : [])]
      .map((r) => `${r.rate.toFixed(1)} tok/s at ${r.threads} thread${r.threads === 1 ? '' : 's'}`)
      .join(', ');
    ctx.log(
      `  ${name} ${q.label}: Grove ${best.groveRate.toFixed(1)} tok/s vs llama.cpp ${q.llama} ${rates} (${equal}/${tokens} greedy tokens equal)`,
    );
    figures.push({
      name: `decode tokens/s (${name}, Grove ${q.label} at ${ctx.threads} threads vs llama.cpp ${q.llama} at its best thread count, greedy, ${tokens} tokens)`,
      value: best.groveRate,
      unit: 'tok/s',
      reference: { name: `llama.cpp ${q.llama}, ${best.threads} thread${best.threads === 1 ? '' : 's'}`, value: best.rate },
      note: `target >= 1.0x; llama.cpp ${rates}; same quantized weights; ${equal}/${tokens} greedy tokens equal; medians of ${rounds} runs each, interleaved`,
    });
    const p = await perplexities(folder, gguf, q.quant, heldOut, ctx.threads);
    const cost = (quantized: number, f32: number): string =>
      `${quantized.toFixed(2)} (${quantized >= f32 ? '+' : ''}${(100 * (quantized / f32 - 1)).toFixed(2)} % over f32 ${f32.toFixed(2)})`;
    figures.push({
      name: `perplexity at ${q.label} (${name}, ${heldOut.length} held-out Brown tokens)`,
      value: p.grove,
      unit: '',
      reference: { name: `llama.cpp ${q.llama}`, value: p.llama },
      note: `Grove ${cost(p.grove, base.grove)}, llama.cpp ${cost(p.llama, base.llama)}; random-init weights: the cost is the quantization's deviation, not a language model's; target: Grove's cost no worse than llama.cpp's`,
    });
  }
  return { figures, profiles };
}
