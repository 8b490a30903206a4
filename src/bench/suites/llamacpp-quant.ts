// The quantized half of the "llamacpp" suite: Grove's 8- and 4-bit decode (MatMulNBits) against llama.cpp on
// the Q8_0 and Q4_0 GGUF exports of the same weights (which hold the same quantized values: quant/plan.ts),
// interleaved, same threads; and the cost of each quantization in both runtimes on held-out Brown text, each
// runtime's quantized model against its own f32 one: the perplexity, and the KL divergence of the next-token
// distributions from the f32 model's (llama.cpp's own measure of a quantization), beside the exact cost of the
// quantized weights alone (bench/quant_reference.py: float64, no rounding of activations).
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportModel } from '../../engine/export/index';
import { argmax } from '../../engine/generate/sampling';
import type { ModelQuant, QuantType } from '../../engine/quant/plan';
import { LlamaModel } from '../../engine/runtime/llama-model';
import { logSoftmaxInto } from '../../engine/generate/ensemble-decoder';
import type { ModelConfig } from '../../engine/model/config';
import { brownDocuments } from '../../engine/tokenize/brown';
import { loadTokenizer } from '../../engine/tokenize/load';
import { openLlamaCpp } from '../llama-cpp';
import { kernelMs, opTable, profileOps } from '../ort-profile';
import { quantReference, type QuantReference } from '../quant-reference';
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

/** The GGUF export of `folder` at `dtype` in `dir`, written once. */
async function ggufAt(folder: string, name: string, dtype: 'f32' | 'q8_0' | 'q4_0', dir = tmpdir()): Promise<string> {
  const gguf = join(dir, `grove-bench-export-${name}${dtype === 'f32' ? '' : `-${dtype}`}.gguf`);
  if (!existsSync(gguf)) await exportModel({ folder, format: 'gguf', out: gguf, dtype });
  return gguf;
}

/** A runtime's next-token log-probabilities over the vocabulary at each position of a text: [(n - 1) * vocab]. */
type LogProbs = Float32Array;

/** Grove's and llama.cpp's next-token distributions over `ids`, Grove at `quant`, llama.cpp on `gguf`. */
async function distributions(
  folder: string,
  gguf: string,
  quant: ModelQuant,
  ids: readonly number[],
  o: { threads: number; vocab: number },
): Promise<{ grove: LogProbs; llama: LogProbs }> {
  const model = await LlamaModel.open(folder, { threads: o.threads, quant });
  const logits = await model.logits(ids.slice(0, -1));
  await model.close();
  const grove = new Float32Array(logits.length);
  for (let at = 0; at < logits.length; at += o.vocab) logSoftmaxInto(logits.subarray(at, at + o.vocab), grove.subarray(at, at + o.vocab));
  const llama = await openLlamaCpp(gguf, { threads: o.threads, contextSize: 256 });
  try {
    return { grove, llama: await llama.nextTokenLogProbs(ids, o.vocab) };
  } finally {
    await llama.close();
  }
}

/** exp of the mean negative log-likelihood of ids[1:]. */
export function perplexityOf(lp: LogProbs, ids: readonly number[], vocab: number): number {
  let sum = 0;
  for (let i = 0; i + 1 < ids.length; i++) sum += lp[i * vocab + ids[i + 1]!]!;
  return Math.exp(-sum / (ids.length - 1));
}

/** The mean over positions of KL(p || q), in nats: how far q's next-token distributions are from p's. */
export function meanKl(p: LogProbs, q: LogProbs, vocab: number): number {
  let sum = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = Math.exp(p[i]!);
    if (pi > 0) sum += pi * (p[i]! - q[i]!);
  }
  return sum / (p.length / vocab);
}

/**
 * The perplexity and divergence rows of one quantization: each runtime's quantized model against its own f32
 * one, beside the exact cost of the quantized weights (the float64 reference) where it ran.
 */
function quantizationCosts(
  q: { name: string; label: string; llama: string; type: QuantType; tokens: number; weights: string },
  d: {
    base: { grove: LogProbs; llama: LogProbs };
    quantized: { grove: LogProbs; llama: LogProbs };
    exact: QuantReference | { error: string };
    ids: readonly number[];
    vocab: number;
  },
): Figure[] {
  const ppl = (lp: LogProbs) => perplexityOf(lp, d.ids, d.vocab);
  const cost = (quantized: number, f32: number): string =>
    `${quantized.toFixed(2)} (${quantized >= f32 ? '+' : ''}${(100 * (quantized / f32 - 1)).toFixed(2)} % over f32 ${f32.toFixed(2)})`;
  const exact = 'error' in d.exact ? null : { f32: d.exact.f32.perplexity, ...d.exact.quantized[q.type] };
  const exactNote = (weights: string, int8: string) =>
    `; float64 reference (bench/quant_reference.py): the quantized weights alone ${weights}, with every product's input rounded to int8 blocks as both runtimes' kernels do ${int8}`;
  const groveKl = meanKl(d.base.grove, d.quantized.grove, d.vocab);
  const llamaKl = meanKl(d.base.llama, d.quantized.llama, d.vocab);
  const held = `${q.name}, ${q.tokens} held-out Brown tokens`;
  return [
    {
      name: `perplexity at ${q.label} (${held})`,
      value: ppl(d.quantized.grove),
      unit: '',
      reference: { name: `llama.cpp ${q.llama}`, value: ppl(d.quantized.llama) },
      note: `Grove ${cost(ppl(d.quantized.grove), ppl(d.base.grove))}, llama.cpp ${cost(ppl(d.quantized.llama), ppl(d.base.llama))}${exact ? exactNote(cost(exact.perplexity, exact.f32), cost(exact.int8Activations.perplexity, exact.f32)) : ''}; ${q.weights}; target: Grove's cost no worse than llama.cpp's`,
    },
    {
      name: `KL divergence from f32 per token at ${q.label} (${held}; lower is better)`,
      value: groveKl,
      unit: 'nats',
      reference: { name: `llama.cpp ${q.llama}`, value: llamaKl },
      note: `the KL divergence of the quantized model's next-token distribution from the f32 model's, averaged over positions, each runtime against its own f32 model (llama.cpp's perplexity tool's measure of a quantization)${exact ? exactNote(exact.kl.toPrecision(4), exact.int8Activations.kl.toPrecision(4)) : ''}`,
    },
  ];
}

/** What the cost rows of a random-init bench model measure, for their notes. */
const RANDOM_INIT_WEIGHTS = "random-init weights: the cost is the quantization's deviation, not a language model's";

/**
 * The perplexity and divergence rows of both quantizations of the model in `folder` on `heldOut` (at most 255
 * tokens: llama.cpp's context here is 256), each runtime against its own f32 model, and the float64
 * reference's exact cost of the quantized weights. The GGUF exports are written to `ggufDir`.
 */
export async function quantizationCostRows(
  name: string,
  folder: string,
  config: ModelConfig,
  heldOut: readonly number[],
  ctx: BenchContext,
  o: { weights: string; ggufDir?: string },
): Promise<Figure[]> {
  const vocab = config.vocabSize;
  const run = { threads: ctx.threads, vocab };
  const base = await distributions(folder, await ggufAt(folder, name, 'f32', o.ggufDir), 'f32', heldOut, run);
  const exact = await quantReference(folder, heldOut);
  if ('error' in exact) ctx.log(`  ${name}: no exact quantization reference (${exact.error})`);
  const figures: Figure[] = [];
  for (const q of QUANTS) {
    const gguf = await ggufAt(folder, name, q.gguf, o.ggufDir);
    const quantized = await distributions(folder, gguf, q.quant, heldOut, run);
    const rows = quantizationCosts(
      { name, label: q.label, llama: q.llama, type: q.gguf, tokens: heldOut.length, weights: o.weights },
      { base, quantized, exact, ids: heldOut, vocab },
    );
    for (const r of rows) ctx.log(`  ${r.name}: Grove ${r.value.toPrecision(6)}, llama.cpp ${r.reference!.value.toPrecision(6)}`);
    figures.push(...rows);
  }
  return figures;
}

/**
 * Decode rows for one shape's bench model at each quantization, the profile of each quantized decode, and
 * the quantizations' costs (random init: they measure the quantization's deviation, not language quality).
 */
export async function quantizedRows(
  name: string,
  folder: string,
  config: ModelConfig,
  ctx: BenchContext,
): Promise<{ figures: Figure[]; profiles: Map<string, string> }> {
  const tokens = ctx.quick ? 16 : 64;
  const rounds = ctx.quick ? 2 : 7;
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
  }
  const tokenizer = await loadTokenizer(folder);
  // Brown documents after the 20 the bench tokenizer was trained on.
  const heldOut = [...tokenizer.encode([...brownDocuments(23)].slice(20).join('\n\n'))].slice(0, ctx.quick ? 64 : 255);
  figures.push(...(await quantizationCostRows(name, folder, config, heldOut, ctx, { weights: RANDOM_INIT_WEIGHTS })));
  return { figures, profiles };
}
