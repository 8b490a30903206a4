// Bench suite "ensemble": what using the forest costs. Decode tokens/s of one model and of an ensemble of
// k experts (their forward passes one after the other, and concurrently with Promise.all), top-1 by prior
// (one expert's cost whatever the forest's size), and the ensemble's prefill (each expert's chunked
// prefill, which also scores the prompt for the posterior) against one decoder's prefill.
import { performance } from 'node:perf_hooks';
import { EnsembleDecoder, type EnsembleWeighting } from '../../engine/generate/ensemble-decoder';
import { llamaExpertSession } from '../../engine/generate/llama-expert';
import type { ModelConfigInput } from '../../engine/model/config';
import { LlamaModel } from '../../engine/runtime/llama-model';
import { benchModelFolders } from '../model-folders';
import type { Figure } from '../report';
import type { BenchContext, BenchSuite } from '../run';
import { time } from '../timing';

interface Shape {
  name: string;
  config: ModelConfigInput;
  experts: number;
}

const SHAPES: Shape[] = [
  {
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
    experts: 4,
  },
  {
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
    experts: 2,
  },
];

async function benchShape(shape: Shape, ctx: BenchContext): Promise<Figure[]> {
  const folders = await benchModelFolders(`grove-bench-ensemble-${shape.name}`, shape.config, shape.experts, 100);
  const models = await Promise.all(folders.map((f) => LlamaModel.open(f, { threads: ctx.threads })));
  const k = models.length;
  const V = models[0]!.config.vocabSize;
  const tokens = ctx.quick ? 8 : 32;
  const promptLength = 256;
  const prompt = Array.from({ length: promptLength }, (_, i) => (i * 7919 + 1) % V);
  const experts = models.map((m, j) => ({ name: `e${j}`, open: () => llamaExpertSession(m) }));
  const uniform = models.map(() => 1 / k);
  const posterior: EnsembleWeighting = { kind: 'posterior', settings: { kind: 'context', window: 256 } };
  type Stepper = { prefill(ids: number[]): Promise<unknown>; step(id: number): Promise<unknown> };
  const variants: Record<string, () => Stepper> = {
    single: () => models[0]!.decoder(),
    sequential: () => new EnsembleDecoder({ experts, prior: uniform, weighting: posterior, parallel: false }),
    parallel: () => new EnsembleDecoder({ experts, prior: uniform, weighting: posterior, parallel: true }),
    top1: () =>
      new EnsembleDecoder({
        experts,
        prior: uniform,
        weighting: { kind: 'posterior', settings: { kind: 'context', topK: { k: 1, by: 'prior' } } },
      }),
  };
  // Round-robin: on a machine shared with other work, load drifts; interleaving gives every variant the same drift.
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((v) => [v, []]));
  const rounds = ctx.quick ? 2 : 5;
  for (let r = 0; r <= rounds; r++) {
    for (const [name, make] of Object.entries(variants)) {
      const d = make();
      await d.prefill([1]);
      const t0 = performance.now();
      for (let i = 1; i < tokens; i++) await d.step((i * 31) % V);
      if (r > 0) samples[name]!.push((tokens - 1) / ((performance.now() - t0) / 1000)); // round 0 warms up
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const [single, sequential, parallel, top1] = ['single', 'sequential', 'parallel', 'top1'].map((v) => median(samples[v]!)) as [
    number,
    number,
    number,
    number,
  ];
  const prefillOne = await time(() => models[0]!.decoder().prefill(prompt), { warmup: 1, minRuns: 3, minMs: 1000 });
  const prefillEnsemble = await time(
    () => new EnsembleDecoder({ experts, prior: uniform, weighting: posterior, parallel: false }).prefill(prompt),
    { warmup: 1, minRuns: 3, minMs: 1000 },
  );
  const prefillConcurrent = await time(
    () => new EnsembleDecoder({ experts, prior: uniform, weighting: posterior, parallel: true }).prefill(prompt),
    { warmup: 1, minRuns: 3, minMs: 1000 },
  );
  for (const m of models) await m.close();
  ctx.log(
    `  ${shape.name}: decode 1 model ${single.toFixed(1)} tok/s, ${k} experts sequential ${sequential.toFixed(1)}, concurrent ${parallel.toFixed(1)}, top-1 ${top1.toFixed(1)}`,
  );
  const s = shape.name;
  return [
    { name: `decode tokens/s, one model (${s})`, value: single, unit: 'tok/s' },
    {
      name: `decode tokens/s, ensemble of ${k}, experts one after the other (${s})`,
      value: sequential,
      unit: 'tok/s',
      reference: { name: 'one model', value: single },
      note: `ideal: 1/${k} of one model`,
    },
    {
      name: `decode tokens/s, ensemble of ${k}, experts concurrently (${s})`,
      value: parallel,
      unit: 'tok/s',
      reference: { name: 'one after the other', value: sequential },
    },
    {
      name: `decode tokens/s, ensemble of ${k}, top-1 by prior (${s})`,
      value: top1,
      unit: 'tok/s',
      reference: { name: 'one model', value: single },
      note: 'one expert runs',
    },
    {
      name: `prefill ms, ${promptLength}-token prompt, ensemble of ${k}, one after the other (${s})`,
      value: prefillEnsemble.medianMs,
      unit: 'ms',
      reference: { name: 'one decoder', value: prefillOne.medianMs },
      note: 'per expert: one chunked prefill that fills the KV cache and scores the prompt for the posterior',
    },
    {
      name: `prefill ms, ${promptLength}-token prompt, ensemble of ${k}, experts concurrently (${s})`,
      value: prefillConcurrent.medianMs,
      unit: 'ms',
      reference: { name: 'one after the other', value: prefillEnsemble.medianMs },
    },
  ];
}

export const ensembleSuite: BenchSuite = {
  name: 'ensemble',
  description: 'ensemble decode and prefill cost: one model vs k experts (sequential and concurrent), top-1 by prior',
  async run(ctx) {
    const figures: Figure[] = [];
    for (const shape of ctx.quick ? SHAPES.slice(0, 1) : SHAPES) figures.push(...(await benchShape(shape, ctx)));
    return { suite: 'ensemble', figures };
  },
};
