// Bench suite "engine": Grove's train, score and KV-cached decode throughput against PyTorch on the issue's
// three shapes, and ONNX Runtime's op-by-op profiles of the score graph and the train step (where the time goes).
// The baseline is the fastest standard formulation we can run here (torch-baseline.ts: nn.Module layers,
// nn.Embedding, F.cross_entropy without copies, default AdamW, eager fp32 on OpenBLAS, same threads), each
// measurement interleaved with Grove's and warmed up until both settle; medians with the range.
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseModelConfig, type ModelConfigInput } from '../../engine/model/config';
import { writeModelFolder } from '../../engine/model/folder';
import { initParameters } from '../../engine/model/init';
import { DEFAULT_LORA, type LoraConfig } from '../../engine/model/lora';
import { LlamaModel } from '../../engine/runtime/llama-model';
import { parameterCount } from '../../engine/model/names';
import { LlamaTrainer } from '../../engine/train/step-runner';
import type { Batch } from '../../engine/train/windows';
import { runMeasured } from '../child-peak';
import { kernelMs, opTable, profileOps } from '../ort-profile';
import type { Figure } from '../report';
import type { BenchContext, BenchSuite } from '../run';
import { TorchBaseline } from '../torch-baseline';
import { interleaved, peakRssMiB, time, type Timing } from '../timing';

interface Shape {
  name: string;
  config: ModelConfigInput;
  batch: number;
  context: number;
}

const SHAPES: Shape[] = [
  {
    name: 'tiny',
    config: {
      architecture: 'LlamaForCausalLM',
      hiddenSize: 128,
      numHiddenLayers: 4,
      numAttentionHeads: 4,
      intermediateSize: 512,
      vocabSize: 8192,
      maxPositionEmbeddings: 1024,
    },
    batch: 16,
    context: 256,
  },
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
    batch: 8,
    context: 256,
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
    batch: 4,
    context: 256,
  },
];

/** One profiled score pass (a separate session: profiling slows the run), its first run left out, as a markdown section. */
async function scoreProfile(folder: string, shape: Shape, ids: number[], ctx: BenchContext, unprofiledMs: number): Promise<string> {
  const runs = 2;
  const ops = await profileOps(
    `grove-bench-score-profile-${shape.name}`,
    async (prefix) => {
      const model = await LlamaModel.open(folder, { threads: ctx.threads, profilePrefix: prefix });
      for (let i = 0; i < 1 + runs; i++) await model.score(ids, ids, shape.batch);
      await model.endProfiling();
      await model.close();
    },
    1,
  );
  return [
    `Grove score, ${shape.name} (${shape.batch}x${shape.context}): ONNX Runtime kernel time by op over ${runs} profiled runs after a first one left out (${kernelMs(ops, runs).toFixed(1)} ms of kernels per batch; unprofiled, a batch takes ${unprofiledMs.toFixed(1)} ms in all).`,
    '',
    opTable(ops, runs, 'batch'),
  ].join('\n');
}

/** One profiled train pass (a separate trainer: profiling slows the run), its first step left out, as a markdown section. */
async function trainProfile(shape: Shape, batch: Batch, ctx: BenchContext, unprofiledMs: number): Promise<string> {
  const config = parseModelConfig(shape.config);
  const steps = 2;
  let form: 'fused' | 'gradient' = 'fused';
  const ops = await profileOps(
    `grove-bench-train-profile-${shape.name}`,
    async (prefix) => {
      const trainer = await LlamaTrainer.create(config, {
        batchSize: shape.batch,
        contextLength: shape.context,
        threads: ctx.threads,
        session: { profilePrefix: prefix },
      });
      for (let i = 0; i < 1 + steps; i++) await trainer.step(batch, 1e-4);
      form = trainer.form;
      await trainer.endProfiling();
      await trainer.close();
    },
    1,
  );
  const adamw = form === 'fused' ? 'AdamW inside the graph' : 'the gradient graph, AdamW in JS outside these kernels';
  return [
    `Grove train step, ${shape.name} (${shape.batch}x${shape.context}, one micro-batch, ${adamw}): ONNX Runtime kernel time by op over ${steps} profiled steps after a first one left out (${kernelMs(ops, steps).toFixed(1)} ms of kernels per step; unprofiled, a step takes ${unprofiledMs.toFixed(1)} ms in all).`,
    '',
    opTable(ops, steps, 'step', 16),
  ].join('\n');
}

/** "1.23x (PyTorch 4567 tok/s, range 4400-4700)": Grove's median against the baseline's, with the baseline's spread. */
function against(grove: number, base: Timing | undefined, work: number, unit: string): string {
  if (!base) return '';
  const rate = (ms: number) => work / (ms / 1000);
  return `${(grove / rate(base.medianMs)).toFixed(2)}x PyTorch (median ${rate(base.medianMs).toFixed(unit === 'tok/s' ? 0 : 1)}, range ${rate(base.maxMs).toFixed(0)}-${rate(base.minMs).toFixed(0)} ${unit}, ${base.runs} runs)`;
}

/** A FLOP rate as a share of the measured peak; a share above 100 % means a wrong count or peak, and says so instead. */
function ofPeak(gflops: number, peak: number): string {
  const share = gflops / peak;
  return share > 1
    ? `${gflops.toFixed(1)} GFLOP/s, above the measured MatMul peak (${peak.toFixed(1)}): a FLOP count or the peak is wrong`
    : `${(100 * share).toFixed(0)} % of the MatMul peak (MFU)`;
}

async function benchShape(shape: Shape, ctx: BenchContext): Promise<{ figures: Figure[]; profiles: { score: string; train: string } }> {
  const config = parseModelConfig(shape.config);
  const folder = join(tmpdir(), `grove-bench-${shape.name}`);
  if (!existsSync(join(folder, 'model.safetensors'))) {
    mkdirSync(folder, { recursive: true });
    const tensors = [...initParameters(config, 1)].map(({ spec, data }) => ({ name: spec.name, shape: spec.shape, data }));
    await writeModelFolder(folder, { config, tensors });
  }
  const { batch: B, context: T } = shape;
  const ids = Array.from({ length: B * T }, (_, i) => (i * 7919) % config.vocabSize);
  const load = loadavg()[0] as number;
  const decodeTokens = ctx.quick ? 16 : 64;
  const rounds = ctx.quick ? 2 : 5;
  const started = ctx.quick ? { error: 'skipped with --quick' } : await TorchBaseline.start(config, shape, ctx.threads);
  const torch = started instanceof TorchBaseline ? started : undefined;
  const note = started instanceof TorchBaseline ? `PyTorch on ${started.allocator}` : `PyTorch: ${started.error}`;
  // Each measurement interleaves Grove and PyTorch (A, B, A, B...), warmed up until both settle (within 10 %).
  const measure = async (grove: () => Promise<unknown>, base: () => Promise<unknown>): Promise<{ grove: Timing; torch?: Timing }> => {
    const o = { warmup: 1, settle: 0.1, maxWarmup: ctx.quick ? 2 : 6, rounds };
    return torch ? interleaved({ grove, torch: base }, o) : interleaved({ grove }, o);
  };
  try {
    const model = await LlamaModel.open(folder, { threads: ctx.threads });
    const score = await measure(
      () => model.score(ids, ids, B),
      () => torch!.score(),
    );
    const decode = await measure(
      async () => {
        const d = model.decoder();
        await d.prefill([1]);
        for (let i = 1; i < decodeTokens; i++) await d.step(i % config.vocabSize);
      },
      () => torch!.decode(decodeTokens),
    );
    await model.close();
    const profile = await scoreProfile(folder, shape, ids, ctx, score.grove.medianMs);

    const trainer = await LlamaTrainer.create(config, { batchSize: B, contextLength: T, threads: ctx.threads });
    const batch = { inputs: Int32Array.from(ids), targets: Int32Array.from(ids) };
    const train = await measure(
      () => trainer.step(batch, 1e-4),
      () => torch!.train(),
    );
    await trainer.close();
    const trainProfileMd = await trainProfile(shape, batch, ctx, train.grove.medianMs);
    const torchRss = torch ? await torch.peakRssMiB() : undefined;
    torch?.close();
    const groveTrain = (B * T) / (train.grove.medianMs / 1000);
    // A light expert (default adapter) over the same shape, in the same run: no weight gradients, no AdamW pass over the base.
    const lightTrainer = await LlamaTrainer.create(config, { batchSize: B, contextLength: T, threads: ctx.threads, lora: DEFAULT_LORA });
    const lightTrain = await time(() => lightTrainer.step(batch, 1e-4), {
      warmup: 1,
      minRuns: ctx.quick ? 2 : 3,
      minMs: ctx.quick ? 500 : 3000,
    });
    await lightTrainer.close();
    const groveLightTrain = (B * T) / (lightTrain.medianMs / 1000);
    // Training FLOPs per token: 6 x the parameters that multiply (an untied input embedding is a lookup, no
    // FLOPs; a tied one is the head), plus attention's 12 x layers x T x hidden (forward + backward).
    const lookupOnly = config.tieWordEmbeddings ? 0 : config.vocabSize * config.hiddenSize;
    const flopsPerToken = 6 * (parameterCount(config) - lookupOnly) + 12 * config.numHiddenLayers * T * config.hiddenSize;
    const groveScore = (B * T) / (score.grove.medianMs / 1000);
    const groveDecode = decodeTokens / (decode.grove.medianMs / 1000);
    ctx.log(
      `  ${shape.name}: train ${groveTrain.toFixed(0)} tok/s, score ${groveScore.toFixed(0)} tok/s, decode ${groveDecode.toFixed(1)} tok/s`,
    );
    const ref = (t: Timing | undefined, work: number) =>
      t === undefined ? {} : { reference: { name: 'PyTorch (nn.Module, interleaved)', value: work / (t.medianMs / 1000) } };
    // Score FLOPs per token: 2 x the parameters that multiply, plus attention's 4 x layers x T x hidden (every
    // query against every key, as the kernels compute it, causal or not).
    const scoreFlops = 2 * (parameterCount(config) - lookupOnly) + 4 * config.numHiddenLayers * T * config.hiddenSize;
    const common = [note, `load ${load.toFixed(1)}`].filter(Boolean).join('; ');
    return {
      figures: [
        {
          name: `train tokens/s (${shape.name}, ${B}x${T}, AdamW)`,
          value: groveTrain,
          unit: 'tok/s',
          ...ref(train.torch, B * T),
          note: [
            against(groveTrain, train.torch, B * T, 'tok/s'),
            ofPeak((groveTrain * flopsPerToken) / 1e9, ctx.peakGflops),
            `target >= ${shape.name === 'tiny' ? '1.3' : '1.15'}x`,
            common,
          ]
            .filter(Boolean)
            .join('; '),
        },
        {
          name: `light train tokens/s (${shape.name}, ${B}x${T}, LoRA r ${DEFAULT_LORA.rank} on ${DEFAULT_LORA.targets.length} projections)`,
          value: groveLightTrain,
          unit: 'tok/s',
          note: `${(groveLightTrain / groveTrain).toFixed(2)}x the full expert's step above; target >= 1.4x`,
        },
        {
          name: `score tokens/s (${shape.name}, ${B}x${T})`,
          value: groveScore,
          unit: 'tok/s',
          ...ref(score.torch, B * T),
          note: [
            against(groveScore, score.torch, B * T, 'tok/s'),
            ofPeak((groveScore * scoreFlops) / 1e9, ctx.peakGflops),
            'target >= 1.3x',
            common,
          ]
            .filter(Boolean)
            .join('; '),
        },
        {
          name: `decode tokens/s (${shape.name}, KV cache)`,
          value: groveDecode,
          unit: 'tok/s',
          ...ref(decode.torch, decodeTokens),
          note: [against(groveDecode, decode.torch, decodeTokens, 'tok/s'), 'target >= 1.5x', common].filter(Boolean).join('; '),
        },
        ...(torchRss !== undefined
          ? [
              {
                name: `PyTorch baseline peak RSS (${shape.name})`,
                value: torchRss,
                unit: 'MiB',
                note: 'the baseline process, after train, score and decode',
              },
            ]
          : []),
      ],
      profiles: { score: profile, train: trainProfileMd },
    };
  } finally {
    torch?.close();
  }
}

/**
 * Peak RSS of training a shape (a light expert with `lora`; activations recomputed with `recompute`) for 3
 * steps in a fresh process (out/node/train-memory.js, started as Grove starts its workers), in MB; the note
 * gives the last step's time.
 */
async function trainingPeakRss(
  shape: Shape,
  microBatches: number,
  ctx: BenchContext,
  o: { lora?: LoraConfig; recompute?: boolean } = {},
): Promise<Figure> {
  const { lora, recompute } = o;
  const child = fileURLToPath(new URL('./train-memory.js', import.meta.url));
  const args = {
    config: shape.config,
    batch: shape.batch,
    context: shape.context,
    microBatches,
    steps: 3,
    threads: ctx.threads,
    ...(lora ? { lora } : {}),
    ...(recompute ? { recompute } : {}),
  };
  const run = await runMeasured(process.execPath, [child, JSON.stringify(args)]);
  if (run.code !== 0) throw new Error(`the training memory child failed: ${run.stderr.trim().split('\n').at(-1)}`);
  const split = microBatches === 1 ? 'one micro-batch' : `${microBatches} micro-batches of ${shape.batch / microBatches}`;
  const kind = `${lora ? `, light expert r ${lora.rank}` : ''}${recompute ? ', activations recomputed' : ''}`;
  const lastStepMs = (JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as { stepMs?: number[] }).stepMs?.at(-1);
  const target = lora ? '<= 1500' : microBatches === 1 ? '< 3000' : '< 4000';
  return {
    name: `peak RSS training ${shape.name} (${shape.batch}x${shape.context}, ${split}${kind})`,
    value: run.peakRssMegabytes ?? Number.NaN,
    unit: 'MB',
    note: `${run.peakRssMegabytes === null ? 'no /proc on this OS' : `fresh process, 3 steps; target ${target} MB`}${
      lastStepMs === undefined ? '' : `; last step ${Math.round(lastStepMs)} ms`
    }`,
  };
}

export const engineSuite: BenchSuite = {
  name: 'engine',
  description: 'train, score and decode tokens/s, Grove vs PyTorch (eager fp32, OpenBLAS), tiny / small / smollm2-135m shapes',
  async run(ctx) {
    const figures: Figure[] = [];
    const sections: { title: string; markdown: string }[] = [];
    for (const shape of ctx.quick ? SHAPES.slice(0, 1) : SHAPES) {
      const r = await benchShape(shape, ctx);
      figures.push(...r.figures);
      sections.push({ title: `Grove score profile (${shape.name})`, markdown: r.profiles.score });
      sections.push({ title: `Grove train step profile (${shape.name})`, markdown: r.profiles.train });
    }
    const large = SHAPES[2] as Shape;
    if (!ctx.quick) {
      for (const microBatches of [4, 1]) figures.push(await trainingPeakRss(large, microBatches, ctx));
      figures.push(await trainingPeakRss(large, 1, ctx, { recompute: true }));
      for (const microBatches of [1, 4]) figures.push(await trainingPeakRss(large, microBatches, ctx, { lora: DEFAULT_LORA }));
    }
    figures.push({ name: 'peak RSS of the Grove process', value: peakRssMiB(), unit: 'MiB' });
    return { suite: 'engine', figures, sections };
  },
};
