// Bench suite "light": an ensemble of light experts at one model's speed (issue "Light experts"). On the
// 135M shape (random weights; rank-16 adapters on every projection, B non-zero): decode tokens/s of one model
// alone, one light expert, 4 and 8 light experts over that base as one batched pass, and 4 full experts,
// interleaved round by round in one run after a warm-up round; the ensemble's prompt scoring (its prefill,
// which scores the prompt for the posterior) for 4 light and 4 full experts against one model's; whether
// onnxruntime-node copies an input per run (the adapters are fed with every token); and ONNX Runtime's op
// profile of a decoded token, one model against 4 light experts, which says what bounds the batched pass.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { EnsembleDecoder, type EnsembleWeighting } from '../../engine/generate/ensemble-decoder';
import { llamaExpertSession } from '../../engine/generate/llama-expert';
import { Graph, encodeGraph } from '../../engine/graph';
import { ensembleExperts } from '../../app/infer/reply';
import type { ModelConfigInput } from '../../engine/model/config';
import { DEFAULT_LORA } from '../../engine/model/lora';
import { batchAdapters, loadAdapter, type LoadedAdapter } from '../../engine/runtime/adapter-feeds';
import { batchedDecoder } from '../../engine/runtime/batched-decoder';
import { LlamaModel } from '../../engine/runtime/llama-model';
import { createSession, ort } from '../../engine/runtime/ort';
import { benchAdapterFolders, benchModelFolders } from '../model-folders';
import { kernelMs, opTable, profileBy, profileByOp } from '../ort-profile';
import type { Figure } from '../report';
import type { BenchContext, BenchSuite } from '../run';
import { interleaved, peakRssMiB } from '../timing';

interface Shape {
  name: string;
  config: ModelConfigInput;
}

const SMOLLM2_135M: Shape = {
  name: 'smollm2-135m',
  config: {
    architecture: 'LlamaForCausalLM',
    hiddenSize: 576,
    numHiddenLayers: 30,
    numAttentionHeads: 9,
    numKeyValueHeads: 3,
    intermediateSize: 1536,
    vocabSize: 49152,
    tieWordEmbeddings: true,
    maxPositionEmbeddings: 2048,
  },
};
const SMALL: Shape = {
  name: 'small',
  config: {
    architecture: 'LlamaForCausalLM',
    hiddenSize: 384,
    numHiddenLayers: 6,
    numAttentionHeads: 6,
    intermediateSize: 1024,
    vocabSize: 8192,
    maxPositionEmbeddings: 1024,
  },
};

const FULL_EXPERTS = 4;
const LIGHT_EXPERTS = 8;
const PROMPT = 256;

type Stepper = { prefill(ids: number[]): Promise<unknown>; step(id: number): Promise<unknown> };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface DecodeRate {
  /** Median tokens/s (wall clock). */
  rate: number;
  /** Median CPU milliseconds (user + system, every thread of this process) per token. */
  cpuMs: number;
}

/**
 * Tokens/s of each decoder kind: a fresh decoder per round, one prompt token, then `tokens` - 1 steps;
 * rounds interleaved, round 0 a warm-up. Also the process's CPU time per token: on a machine shared with
 * other work the wall clock swings with their load, while the CPU time a token takes (no thread spins
 * between runs: runtime/ort.ts stops them when a run returns) moves much less.
 */
async function decodeRates(
  variants: Record<string, () => Stepper>,
  V: number,
  tokens: number,
  rounds: number,
): Promise<Record<string, DecodeRate>> {
  const wall: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((v) => [v, []]));
  const cpu: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((v) => [v, []]));
  for (let r = 0; r <= rounds; r++) {
    for (const [name, make] of Object.entries(variants)) {
      const d = make();
      await d.prefill([1]);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 1; i < tokens; i++) await d.step((i * 31) % V);
      const seconds = (performance.now() - t0) / 1000;
      const c = process.cpuUsage(c0);
      if (r > 0) {
        wall[name]!.push((tokens - 1) / seconds);
        cpu[name]!.push((c.user + c.system) / 1000 / (tokens - 1));
      }
    }
  }
  return Object.fromEntries(Object.keys(variants).map((k) => [k, { rate: median(wall[k]!), cpuMs: median(cpu[k]!) }]));
}

/**
 * Does onnxruntime-node copy an input at every run? A graph that reads one number of a [n] input, run with
 * n = 5 000 and n = 5 000 000 floats (20 KB and 20 MB, about one light expert's adapter at the 135M shape):
 * the median ms per run of each. A copy of 20 MB would add milliseconds (memory bandwidth); none adds nothing.
 */
async function inputCopyCost(threads: number): Promise<{ smallMs: number; largeMs: number }> {
  const g = new Graph('input_copy_probe');
  const x = g.input('x', 'float32', ['n']);
  g.output('first', g.slice(x, 0, 0, 1));
  const session = await createSession(encodeGraph(g), { threads });
  const feeds = (n: number) => ({ x: new ort.Tensor('float32', new Float32Array(n).fill(1), [n]) });
  const small = feeds(5_000);
  const large = feeds(5_000_000);
  const runs = async (f: Record<string, ort.Tensor>) => {
    for (let i = 0; i < 20; i++) await session.run(f);
  };
  const t = await interleaved({ small: () => runs(small), large: () => runs(large) }, { warmup: 2, rounds: 15 });
  await session.release();
  return { smallMs: t.small.medianMs / 20, largeMs: t.large.medianMs / 20 };
}

/** Op profile of `tokens` decoded tokens: one model alone, and 4 light experts batched, each on a fresh profiled model. */
async function decodeProfiles(
  base: string,
  adapters: readonly LoadedAdapter[],
  ctx: BenchContext,
  tokens: number,
): Promise<{ title: string; markdown: string }[]> {
  const sections: { title: string; markdown: string }[] = [];
  const variants: [string, (m: LlamaModel) => { prefill(ids: number[]): Promise<unknown>; step(id: number): Promise<unknown> }][] = [
    ['one model', (m) => m.decoder()],
    [
      '4 light experts, batched',
      (m) => {
        const d = batchedDecoder(m, batchAdapters(m.config, adapters.slice(0, 4)));
        return { prefill: (ids) => d.prefillScored(ids), step: (id) => d.step(id) };
      },
    ],
  ];
  for (const [title, make] of variants) {
    const dir = mkdtempSync(join(tmpdir(), 'grove-bench-light-profile-'));
    const model = await LlamaModel.open(base, { threads: ctx.threads, profilePrefix: join(dir, 'p') });
    const d = make(model);
    await d.prefill([1]);
    for (let i = 1; i <= tokens; i++) await d.step((i * 31) % model.config.vocabSize);
    await model.endProfiling();
    await model.close();
    // The prefill's run is in the profile too; one run among tokens + 1, and one token's worth.
    const ops = profileByOp(dir);
    // A MatMul over the base's weights lists one input shape (its constant, prepacked weight is not shown); one over fed adapters, two.
    const matmuls = profileBy(dir, (e) =>
      e.args?.op_name === 'MatMul' ? (e.args.input_type_shape?.length === 1 ? 'MatMul, base weights' : 'MatMul, fed adapters') : null,
    );
    rmSync(dir, { recursive: true, force: true });
    sections.push({
      title: `decode profile, ${title} (per token, ${tokens} tokens + the prompt's run)`,
      markdown: `kernel time ${kernelMs(ops, tokens + 1).toFixed(1)} ms per token\n\n${opTable(ops, tokens + 1, 'token')}\n\n${opTable(matmuls, tokens + 1, 'token')}`,
    });
  }
  return sections;
}

async function benchShape(
  shape: Shape,
  ctx: BenchContext,
): Promise<{ figures: Figure[]; sections: { title: string; markdown: string }[] }> {
  // The full experts are the ensemble suite's folders (expert 0 doubles as the light experts' base).
  const fullFolders = await benchModelFolders(`grove-bench-ensemble-${shape.name}`, shape.config, FULL_EXPERTS, 100);
  const adapterFolders = await benchAdapterFolders(`grove-bench-light-${shape.name}-adapter`, shape.config, DEFAULT_LORA, LIGHT_EXPERTS);
  const full = await Promise.all(fullFolders.map((f) => LlamaModel.open(f, { threads: ctx.threads })));
  const base = full[0]!;
  const V = base.config.vocabSize;
  const adapters = await Promise.all(adapterFolders.map((f) => loadAdapter(f, base.config)));
  const adapterMB = [...adapters[0]!.factors.values()].reduce((n, f) => n + f.aT.byteLength + f.bT.byteLength, 0) / 1e6;
  const lightRefs = (k: number) => Array.from({ length: k }, (_, j) => ({ name: `light${j}`, key: 'base', folder: fullFolders[0]! }));
  const posterior: EnsembleWeighting = { kind: 'posterior', settings: { kind: 'context', window: 256 } };
  const uniform = (k: number) => Array.from({ length: k }, () => 1 / k);
  const lightEnsemble = (k: number) =>
    new EnsembleDecoder({
      experts: ensembleExperts(
        lightRefs(k),
        lightRefs(k).map(() => base),
        adapters.slice(0, k),
      ),
      prior: uniform(k),
      weighting: posterior,
    });
  const fullEnsemble = () =>
    new EnsembleDecoder({
      experts: full.map((m, j) => ({ name: `full${j}`, open: () => llamaExpertSession(m) })),
      prior: uniform(FULL_EXPERTS),
      weighting: posterior,
    });
  const stackMs = (() => {
    const t0 = performance.now();
    batchAdapters(base.config, adapters);
    return performance.now() - t0;
  })();

  const tokens = ctx.quick ? 8 : 32;
  const rounds = ctx.quick ? 2 : 7;
  ctx.log(`  ${shape.name}: decoding (${rounds} interleaved rounds of ${tokens} tokens)...`);
  const rates = await decodeRates(
    {
      one: () => base.decoder(),
      oneLight: () => base.decoder({ adapter: adapters[0]! }),
      light4: () => lightEnsemble(4),
      batch4: () => {
        const d = batchedDecoder(base, batchAdapters(base.config, adapters.slice(0, 4)));
        return { prefill: (ids) => d.prefillScored(ids), step: (id) => d.step(id) };
      },
      light8: () => lightEnsemble(LIGHT_EXPERTS),
      full4: fullEnsemble,
    },
    V,
    tokens,
    rounds,
  );
  ctx.log(
    `  ${shape.name}: decode tok/s: one model ${rates.one!.rate.toFixed(1)}, one light ${rates.oneLight!.rate.toFixed(1)}, 4 light ${rates.light4!.rate.toFixed(1)}, 8 light ${rates.light8!.rate.toFixed(1)}, 4 full ${rates.full4!.rate.toFixed(1)}`,
  );

  const prompt = Array.from({ length: PROMPT }, (_, i) => (i * 7919 + 1) % V);
  ctx.log(`  ${shape.name}: prompt scoring (${PROMPT} tokens)...`);
  const prefill = await interleaved(
    {
      oneScored: () => llamaExpertSession(base).prefillScored(prompt),
      onePlain: () => base.decoder().prefill(prompt),
      light4: () => lightEnsemble(4).prefill(prompt),
      full4: () => fullEnsemble().prefill(prompt),
    },
    { warmup: 1, rounds: ctx.quick ? 2 : 3 },
  );
  const copy = await inputCopyCost(ctx.threads);
  for (const m of full) await m.close();
  const sections = await decodeProfiles(fullFolders[0]!, adapters, ctx, ctx.quick ? 4 : 16);

  const s = shape.name;
  const one = { name: 'one model', value: rates.one!.rate };
  const onePrompt = { name: 'one model', value: prefill.oneScored.medianMs };
  const figures: Figure[] = [
    { name: `decode tokens/s, one model (${s})`, value: rates.one!.rate, unit: 'tok/s' },
    {
      name: `decode tokens/s, one light expert (${s})`,
      value: rates.oneLight!.rate,
      unit: 'tok/s',
      reference: one,
      note: `its base's graph with the adapter fed (r ${DEFAULT_LORA.rank}, ${adapterMB.toFixed(1)} MB)`,
    },
    {
      name: `decode tokens/s, 4 light experts batched (${s})`,
      value: rates.light4!.rate,
      unit: 'tok/s',
      reference: one,
      note: 'target >= 0.75x',
    },
    {
      name: `decode tokens/s, 4 light experts, the batched decoder alone (${s})`,
      value: rates.batch4!.rate,
      unit: 'tok/s',
      reference: one,
      note: 'no posterior, no mixture: the batched pass itself',
    },
    {
      name: `decode tokens/s, 8 light experts batched (${s})`,
      value: rates.light8!.rate,
      unit: 'tok/s',
      reference: one,
      note: 'target >= 0.6x',
    },
    {
      name: `decode tokens/s, 4 full experts (${s})`,
      value: rates.full4!.rate,
      unit: 'tok/s',
      reference: one,
      note: 'each its own session, concurrently (DEFAULT_PARALLEL_EXPERTS)',
    },
    {
      name: `prompt scoring ms, ${PROMPT} tokens, 4 light experts batched (${s})`,
      value: prefill.light4.medianMs,
      unit: 'ms',
      reference: onePrompt,
      note: 'the ensemble prefill: fills the KV cache and scores the prompt for the posterior; reference: one model doing the same (its expert session). Target <= 1.5x',
    },
    { name: `prompt scoring ms, ${PROMPT} tokens, 4 full experts (${s})`, value: prefill.full4.medianMs, unit: 'ms', reference: onePrompt },
    {
      name: `prefill ms, ${PROMPT} tokens, one model, unscored (${s})`,
      value: prefill.onePlain.medianMs,
      unit: 'ms',
      reference: onePrompt,
      note: "the last position's head only: a floor for any scoring",
    },
    { name: `stacking ${LIGHT_EXPERTS} adapters into one batch (${s})`, value: stackMs, unit: 'ms', note: 'once per ensemble (per reply)' },
    {
      name: 'onnxruntime-node run with a 20 MB input',
      value: copy.largeMs,
      unit: 'ms',
      reference: { name: '20 KB input', value: copy.smallMs },
      note: 'a graph that reads one number of it: a per-run copy would show as the difference',
    },
    { name: 'peak RSS of the bench process', value: peakRssMiB(), unit: 'MiB' },
  ];
  const cpuRows: [string, string][] = [
    ['one', 'one model'],
    ['oneLight', 'one light expert'],
    ['light4', '4 light experts batched'],
    ['batch4', '4 light experts, the batched decoder alone'],
    ['light8', '8 light experts batched'],
    ['full4', '4 full experts'],
  ];
  sections.unshift({
    title: `decode CPU time per token (${s}; the same rounds as the tokens/s above)`,
    markdown: [
      "| decoder | CPU ms per token | one model's CPU time / this |",
      '| --- | ---: | ---: |',
      ...cpuRows.map(([k, label]) => `| ${label} | ${rates[k]!.cpuMs.toFixed(1)} | ${(rates.one!.cpuMs / rates[k]!.cpuMs).toFixed(2)}x |`),
    ].join('\n'),
  });
  return { figures, sections };
}

export const lightSuite: BenchSuite = {
  name: 'light',
  description:
    'light experts at inference: decode of 4 and 8 light experts batched vs one model and 4 full experts, prompt scoring, the batched decode profile',
  async run(ctx) {
    const { figures, sections } = await benchShape(ctx.quick ? SMALL : SMOLLM2_135M, ctx);
    return { suite: 'light', figures, sections };
  },
};
