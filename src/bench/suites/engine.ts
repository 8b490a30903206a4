// Bench suite "engine": Grove's score and KV-cached decode throughput against PyTorch (eager fp32, the
// same reference model, same threads, OpenBLAS) on the issue's three shapes, and ONNX Runtime's op-by-op
// profile of the score graph (where a [B, T] window's time goes).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseModelConfig, toHfConfig, type ModelConfig, type ModelConfigInput } from '../../engine/model/config';
import { writeModelFolder } from '../../engine/model/folder';
import { initParameters } from '../../engine/model/init';
import { DEFAULT_LORA, type LoraConfig } from '../../engine/model/lora';
import { LlamaModel } from '../../engine/runtime/llama-model';
import { parameterCount } from '../../engine/model/names';
import { LlamaTrainer } from '../../engine/train/step-runner';
import { runMeasured } from '../child-peak';
import { kernelMs, opTable, profileByOp } from '../ort-profile';
import type { Figure } from '../report';
import type { BenchContext, BenchSuite } from '../run';
import { peakRssMiB, time } from '../timing';

interface Shape {
  name: string;
  config: ModelConfigInput;
  batch: number;
  context: number;
}

const SHAPES: Shape[] = [
  { name: 'tiny', config: { architecture: 'LlamaForCausalLM', hiddenSize: 128, numHiddenLayers: 4, numAttentionHeads: 4, intermediateSize: 512, vocabSize: 8192, maxPositionEmbeddings: 1024 }, batch: 16, context: 256 },
  { name: 'small', config: { architecture: 'LlamaForCausalLM', hiddenSize: 384, numHiddenLayers: 6, numAttentionHeads: 6, intermediateSize: 1024, vocabSize: 8192, maxPositionEmbeddings: 1024 }, batch: 8, context: 256 },
  {
    name: 'smollm2-135m',
    config: { architecture: 'LlamaForCausalLM', hiddenSize: 576, numHiddenLayers: 30, numAttentionHeads: 9, numKeyValueHeads: 3, intermediateSize: 1536, vocabSize: 49152, tieWordEmbeddings: true, maxPositionEmbeddings: 2048 },
    batch: 4,
    context: 256,
  },
];

const OPENBLAS = '/usr/lib/x86_64-linux-gnu/openblas-openmp';

interface TorchFigures {
  train_tokens_per_s: number;
  score_tokens_per_s: number;
  decode_tokens_per_s: number;
  peak_rss_mib: number;
}

function runTorch(config: ModelConfig, shape: Shape, threads: number, decodeTokens: number): TorchFigures | { error: string } {
  const script = join(process.cwd(), 'bench/torch_llama_bench.py');
  if (!existsSync(script)) return { error: `${script} not found (run from the Grove folder)` };
  const hf = toHfConfig(config);
  const r = spawnSync('/usr/bin/python3', [script, '--config', JSON.stringify(hf), '--batch', String(shape.batch), '--context', String(shape.context), '--threads', String(threads), '--train-steps', '3', '--score-steps', '3', '--decode-tokens', String(decodeTokens)], {
    encoding: 'utf8',
    env: { ...process.env, LD_LIBRARY_PATH: existsSync(OPENBLAS) ? OPENBLAS : (process.env.LD_LIBRARY_PATH ?? ''), OMP_NUM_THREADS: String(threads) },
    timeout: 20 * 60_000,
  });
  if (r.status !== 0) return { error: (r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').at(-1) ?? 'failed' };
  return JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as TorchFigures;
}

/** One profiled score pass (a separate session: profiling slows the run) as a markdown section. */
async function scoreProfile(folder: string, shape: Shape, ids: number[], ctx: BenchContext, unprofiledMs: number): Promise<string> {
  const dir = join(tmpdir(), `grove-bench-score-profile-${shape.name}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  const model = await LlamaModel.open(folder, { threads: ctx.threads, profilePrefix: join(dir, 'score') });
  const runs = 2;
  for (let i = 0; i < runs; i++) await model.score(ids, ids, shape.batch);
  await model.endProfiling();
  await model.close();
  const ops = profileByOp(dir);
  rmSync(dir, { recursive: true, force: true });
  return [
    `Grove score, ${shape.name} (${shape.batch}x${shape.context}): ONNX Runtime kernel time by op over ${runs} profiled runs (${kernelMs(ops, runs).toFixed(1)} ms of kernels per batch; unprofiled, a batch takes ${unprofiledMs.toFixed(1)} ms in all).`,
    '',
    opTable(ops, runs, 'batch'),
  ].join('\n');
}

async function benchShape(shape: Shape, ctx: BenchContext): Promise<{ figures: Figure[]; profile: string }> {
  const config = parseModelConfig(shape.config);
  const folder = join(tmpdir(), `grove-bench-${shape.name}`);
  if (!existsSync(join(folder, 'model.safetensors'))) {
    mkdirSync(folder, { recursive: true });
    const tensors = [...initParameters(config, 1)].map(({ spec, data }) => ({ name: spec.name, shape: spec.shape, data }));
    await writeModelFolder(folder, { config, tensors });
  }
  const model = await LlamaModel.open(folder, { threads: ctx.threads });
  const { batch: B, context: T } = shape;
  const ids = Array.from({ length: B * T }, (_, i) => (i * 7919) % config.vocabSize);
  const load = loadavg()[0] as number;
  const score = await time(() => model.score(ids, ids, B), { warmup: 1, minRuns: 3, minMs: 1000 });
  const decodeTokens = ctx.quick ? 16 : 64;
  const decode = await time(
    async () => {
      const d = model.decoder();
      await d.prefill([1]);
      for (let i = 1; i < decodeTokens; i++) await d.step(i % config.vocabSize);
    },
    { warmup: 1, minRuns: 2, minMs: 1000 },
  );
  await model.close();
  const profile = await scoreProfile(folder, shape, ids, ctx, score.medianMs);

  const trainer = await LlamaTrainer.create(config, { batchSize: B, contextLength: T, threads: ctx.threads });
  const batch = { inputs: Int32Array.from(ids), targets: Int32Array.from(ids) };
  const train = await time(() => trainer.step(batch, 1e-4), { warmup: 1, minRuns: ctx.quick ? 2 : 3, minMs: ctx.quick ? 500 : 3000 });
  await trainer.close();
  const groveTrain = (B * T) / (train.medianMs / 1000);
  // A light expert (default adapter) over the same shape, in the same run: no weight gradients, no AdamW pass over the base.
  const lightTrainer = await LlamaTrainer.create(config, { batchSize: B, contextLength: T, threads: ctx.threads, lora: DEFAULT_LORA });
  const lightTrain = await time(() => lightTrainer.step(batch, 1e-4), { warmup: 1, minRuns: ctx.quick ? 2 : 3, minMs: ctx.quick ? 500 : 3000 });
  await lightTrainer.close();
  const groveLightTrain = (B * T) / (lightTrain.medianMs / 1000);
  // Training FLOPs per token: 6 x the parameters that multiply (an untied input embedding is a lookup, no
  // FLOPs; a tied one is the head), plus attention's 12 x layers x T x hidden (forward + backward).
  const lookupOnly = config.tieWordEmbeddings ? 0 : config.vocabSize * config.hiddenSize;
  const flopsPerToken = 6 * (parameterCount(config) - lookupOnly) + 12 * config.numHiddenLayers * T * config.hiddenSize;
  const trainFraction = (groveTrain * flopsPerToken) / 1e9 / ctx.peakGflops;
  const groveScore = (B * T) / (score.medianMs / 1000);
  const groveDecode = decodeTokens / (decode.medianMs / 1000);
  ctx.log(`  ${shape.name}: train ${groveTrain.toFixed(0)} tok/s, score ${groveScore.toFixed(0)} tok/s, decode ${groveDecode.toFixed(1)} tok/s; running PyTorch...`);
  const torch = ctx.quick ? { error: 'skipped with --quick' } : runTorch(config, shape, ctx.threads, decodeTokens);
  const ref = (value: number | undefined) => (value === undefined ? {} : { reference: { name: 'PyTorch', value } });
  const t = 'error' in torch ? undefined : torch;
  const note = 'error' in torch ? `PyTorch: ${torch.error}` : undefined;
  // Score FLOPs per token: 2 x the parameters that multiply, plus attention's 4 x layers x T x hidden (every
  // query against every key, as the kernels compute it, causal or not).
  const scoreFlops = 2 * (parameterCount(config) - lookupOnly) + 4 * config.numHiddenLayers * T * config.hiddenSize;
  const scoreFraction = (groveScore * scoreFlops) / 1e9 / ctx.peakGflops;
  const loadNote = `load ${load.toFixed(1)}`;
  return {
    figures: [
      { name: `train tokens/s (${shape.name}, ${B}x${T}, AdamW)`, value: groveTrain, unit: 'tok/s', ...ref(t?.train_tokens_per_s), note: `${(100 * trainFraction).toFixed(0)} % of the MatMul peak; target >= ${shape.name === 'tiny' ? '1.3' : '1.0'}x` },
      { name: `light train tokens/s (${shape.name}, ${B}x${T}, LoRA r ${DEFAULT_LORA.rank} on ${DEFAULT_LORA.targets.length} projections)`, value: groveLightTrain, unit: 'tok/s', note: `${(groveLightTrain / groveTrain).toFixed(2)}x the full expert's step above; target >= 1.4x` },
      { name: `score tokens/s (${shape.name}, ${B}x${T})`, value: groveScore, unit: 'tok/s', ...ref(t?.score_tokens_per_s), note: `${note ? `${note}; ` : ''}${(100 * scoreFraction).toFixed(0)} % of the MatMul peak; target >= 1.3x; ${loadNote}` },
      { name: `decode tokens/s (${shape.name}, KV cache)`, value: groveDecode, unit: 'tok/s', ...ref(t?.decode_tokens_per_s), note: `target >= 1.5x; ${loadNote}` },
    ],
    profile,
  };
}

/** Peak RSS of training a shape (a light expert with `lora`) for 3 steps in a fresh process (out/node/train-memory.js), in MB. */
async function trainingPeakRss(shape: Shape, microBatches: number, ctx: BenchContext, lora?: LoraConfig): Promise<Figure> {
  const child = fileURLToPath(new URL('./train-memory.js', import.meta.url));
  const args = { config: shape.config, batch: shape.batch, context: shape.context, microBatches, steps: 3, threads: ctx.threads, ...(lora ? { lora } : {}) };
  const run = await runMeasured(process.execPath, [child, JSON.stringify(args)]);
  if (run.code !== 0) throw new Error(`the training memory child failed: ${run.stderr.trim().split('\n').at(-1)}`);
  const split = microBatches === 1 ? 'one fused step' : `${microBatches} micro-batches of ${shape.batch / microBatches}`;
  const kind = lora ? `, light expert r ${lora.rank}` : '';
  return { name: `peak RSS training ${shape.name} (${shape.batch}x${shape.context}, ${split}${kind})`, value: run.peakRssMegabytes ?? Number.NaN, unit: 'MB', note: run.peakRssMegabytes === null ? 'no /proc on this OS' : `fresh process, 3 steps; target ${lora ? '<= 1500' : '< 4000'} MB` };
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
      sections.push({ title: `Grove score profile (${shape.name})`, markdown: r.profile });
    }
    const large = SHAPES[2] as Shape;
    if (!ctx.quick) {
      for (const microBatches of [4, 1]) figures.push(await trainingPeakRss(large, microBatches, ctx));
      for (const microBatches of [1, 4]) figures.push(await trainingPeakRss(large, microBatches, ctx, DEFAULT_LORA));
    }
    figures.push({ name: 'peak RSS of the Grove process', value: peakRssMiB(), unit: 'MiB' });
    return { suite: 'engine', figures, sections };
  },
};
