// A training run as a job: a model (a stored folder, or a fresh init of a config), the token shards of one
// domain or of a mix of domains, a budget in steps or in minutes; checkpoints in the run folder, so a
// killed worker resumes where it stopped. The trained model is written to <runDir>/model at the end.
// The run folder has one writer: the job holds the run's lock (run-lock.ts) from start to end, and first
// removes what a dead writer left half-written there.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileDurable } from '../durable-write';
import { readManifest, splitShards } from '../corpus/manifest';
import { readAdapterFolder } from '../model/adapter-folder';
import { ModelConfigSchema } from '../model/config';
import { readModelFolder } from '../model/folder';
import { initParameters } from '../model/init';
import { LORA_TARGETS } from '../model/lora';
import { removeRunTemps } from './checkpoint';
import { defaultCheckpointSteps } from './checkpoint-steps';
import { FINISHED, runTraining, type TrainProgress, type StopReason } from './loop';
import { acquireRunLock } from './run-lock';
import { LlamaTrainer } from './step-runner';
import { TokenWindows, type ShardFile } from './windows';

export const TrainJobPayload = z
  .object({
    runDir: z.string().min(1),
    /** The domain to train on; or `domainDirs` for a mix of domains (the seed phase, a dense model). */
    domainDir: z.string().min(1).optional(),
    domainDirs: z.array(z.string().min(1)).min(1).optional(),
    /** Start from this model folder's weights; without it, a fresh init of `config` (a seed from scratch). */
    modelFolder: z.string().min(1).optional(),
    config: z.unknown().optional(),
    /** The budget: optimizer steps, or wall-clock minutes (turned into steps by timing the first steps). */
    steps: z.number().int().positive().optional(),
    minutes: z.number().positive().optional(),
    batchSize: z.number().int().positive(),
    /** Split each batch into this many micro-batches (accumulated gradients: same step, less memory). */
    microBatches: z.number().int().positive().default(1),
    /** Recompute activations in the backward pass (train-graph.ts StepForm): less memory, more compute. */
    recompute: z.boolean().default(false),
    contextLength: z.number().int().positive(),
    peakLr: z.number().positive().default(1e-3),
    warmupFraction: z.number().min(0).max(1).default(0.08),
    decay: z.enum(['cosine', 'linear', 'polynomial', 'constant']).default('cosine'),
    minLrRatio: z.number().min(0).max(1).default(0.1),
    seed: z.number().int().min(0).default(0),
    threads: z.number().int().min(0).default(0),
    /** ONNX Runtime execution providers for the training sessions (default: the CPU). */
    providers: z.array(z.string()).optional(),
    evalEvery: z.number().int().positive().optional(),
    /** Or: validate this many times over the run, whatever its length turns out to be (0 = never). */
    validations: z.number().int().min(0).optional(),
    /** Stop after this many validations without a better validation loss (0 = never). */
    patience: z.number().int().min(0).default(0),
    /** Checkpoints by steps and by time, whichever comes first; steps default to defaultCheckpointSteps. */
    checkpointEverySteps: z.number().int().positive().optional(),
    checkpointEveryMinutes: z.number().positive().default(5),
    /**
     * Train a light expert: low-rank adapters over `modelFolder` (the frozen base), starting from
     * `adapterFolder` (a PEFT adapter, a light branch's init, whose rank, alpha and targets then hold) or
     * fresh with these settings (A random, B zero);
     * the result is a PEFT adapter folder naming `baseModel` as its base.
     */
    lora: z
      .object({
        rank: z.number().int().positive(),
        alpha: z.number().positive(),
        targets: z.array(z.enum(LORA_TARGETS)).min(1),
        adapterFolder: z.string().min(1).optional(),
        baseModel: z.string().min(1),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((p) => (p.steps === undefined) !== (p.minutes === undefined), 'give the budget as steps or as minutes, one of them')
  .refine((p) => (p.domainDir === undefined) !== (p.domainDirs === undefined), 'give domainDir or domainDirs, one of them')
  .refine((p) => !p.lora || p.modelFolder, 'a light expert trains over a base: give its modelFolder');
export type TrainJobPayload = z.input<typeof TrainJobPayload>;

export interface TrainJobResult {
  reason: StopReason;
  steps: number;
  totalSteps: number;
  tokens: number;
  /** The trained model (a full model folder; a PEFT adapter folder for a light expert), or null when paused or cancelled. */
  modelFolder: string | null;
  /** Training seconds across every start of the run (pauses and restarts left out). */
  elapsedSeconds: number;
  /** The job process's peak resident memory so far (each job runs in a worker process of its own). */
  peakMemoryBytes: number;
}

/**
 * The run's fixed plan: a minutes budget is turned into steps once (for the schedule) and kept as a time limit;
 * a resumed run keeps both, whatever budget it is given again.
 */
interface RunPlan {
  totalSteps: number;
  secondsPerStep?: number;
  timeLimitSeconds?: number;
}
const PLAN_FILE = 'plan.json';

async function splitFiles(dirs: readonly string[], split: 'train' | 'valid'): Promise<ShardFile[]> {
  const files: ShardFile[] = [];
  for (const dir of dirs) files.push(...splitShards(dir, await readManifest(dir), split));
  return files;
}

/**
 * Times training steps on real batches, then puts the trainer back where it started: the minutes budget
 * becomes a step count before the schedule (warm-up, decay) is fixed. The first step is left out of the
 * timing: it pays for ONNX Runtime's first-run allocations.
 */
async function stepsForMinutes(
  trainer: LlamaTrainer,
  windows: TokenWindows,
  minutes: number,
  restore: () => Promise<void>,
  log: (line: string) => void,
): Promise<RunPlan> {
  const timed = 2;
  let started = 0;
  for (let i = 0; i <= timed; i++) {
    if (i === 1) started = performance.now();
    await trainer.step(windows.batch(-1000 - i, trainer.batchSize), 0);
  }
  const secondsPerStep = (performance.now() - started) / 1000 / timed;
  await restore();
  const totalSteps = Math.max(1, Math.floor((minutes * 60) / secondsPerStep));
  log(`${minutes} minutes at ${secondsPerStep.toFixed(3)} s per step: ${totalSteps} steps`);
  return { totalSteps, secondsPerStep, timeLimitSeconds: minutes * 60 };
}

export async function runTrainJob(
  input: unknown,
  signal: AbortSignal,
  onProgress: (p: TrainProgress) => void,
  log: (line: string) => void,
  onPlan?: (plan: { totalSteps: number }) => void,
): Promise<TrainJobResult> {
  const p = TrainJobPayload.parse(input);
  const lock = await acquireRunLock(p.runDir);
  try {
    for (const path of await removeRunTemps(p.runDir)) log(`removed ${path}, left half-written by an earlier process`);
    return await trainHoldingLock(p, signal, onProgress, log, onPlan);
  } finally {
    lock.release();
  }
}

async function trainHoldingLock(
  p: z.output<typeof TrainJobPayload>,
  signal: AbortSignal,
  onProgress: (p: TrainProgress) => void,
  log: (line: string) => void,
  onPlan?: (plan: { totalSteps: number }) => void,
): Promise<TrainJobResult> {
  const source = p.modelFolder ? await readModelFolder(p.modelFolder) : null;
  const config = source ? source.config : ModelConfigSchema.parse(p.config);
  // A light run from a start adapter (a branch's init) keeps its rank, alpha and targets; a fresh one takes the payload's.
  const startAdapter = p.lora?.adapterFolder ? await readAdapterFolder(p.lora.adapterFolder, config) : null;
  const lora =
    startAdapter?.lora ??
    (p.lora ? { rank: p.lora.rank, alpha: p.lora.alpha, targets: LORA_TARGETS.filter((t) => p.lora!.targets.includes(t)) } : undefined);
  const trainer = await LlamaTrainer.create(config, {
    batchSize: p.batchSize,
    microBatches: p.microBatches,
    recompute: p.recompute,
    contextLength: p.contextLength,
    threads: p.threads,
    seed: p.seed,
    ...(p.providers ? { session: { providers: p.providers } } : {}),
    ...(lora ? { lora } : {}),
  });
  const restore = async (): Promise<void> => {
    if (source) await trainer.loadWeights(source.weights);
    if (lora) {
      // A light run restarts from its start adapter, or from the same seeded fresh one.
      if (startAdapter) await trainer.loadAdapter(startAdapter.weights);
      else trainer.resetAdapter(p.seed);
    } else if (!source) {
      // A from-scratch run restarts from the same seeded init, as if the timing steps had never run.
      for (const { spec, data } of initParameters(config, p.seed)) trainer.tensor(spec.name).set(data);
      trainer.resetOptimizer();
    }
  };
  if (source) await trainer.loadWeights(source.weights);
  if (startAdapter) await trainer.loadAdapter(startAdapter.weights);
  const dirs = p.domainDirs ?? [p.domainDir as string];
  const train = new TokenWindows(await splitFiles(dirs, 'train'), p.contextLength, p.seed);
  const valid = p.evalEvery || p.validations ? new TokenWindows(await splitFiles(dirs, 'valid'), p.contextLength, p.seed) : undefined;
  try {
    const planFile = join(p.runDir, PLAN_FILE);
    let plan: RunPlan;
    if (p.steps !== undefined) plan = { totalSteps: p.steps };
    else if (existsSync(planFile)) plan = JSON.parse(readFileSync(planFile, 'utf8')) as RunPlan;
    else {
      plan = await stepsForMinutes(trainer, train, p.minutes as number, restore, log);
      await mkdir(p.runDir, { recursive: true });
      await writeFileDurable(planFile, JSON.stringify(plan));
    }
    onPlan?.({ totalSteps: plan.totalSteps });
    const evalEvery = p.evalEvery
      ? Math.min(p.evalEvery, plan.totalSteps)
      : p.validations
        ? Math.max(1, Math.round(plan.totalSteps / p.validations))
        : undefined;
    const { reason, state } = await runTraining(trainer, {
      runDir: p.runDir,
      totalSteps: plan.totalSteps,
      schedule: { peakLr: p.peakLr, warmupSteps: Math.round(p.warmupFraction * plan.totalSteps), decay: p.decay, minLrRatio: p.minLrRatio },
      seed: p.seed,
      train,
      ...(valid && evalEvery ? { valid, evalEvery } : {}),
      patience: p.patience,
      checkpointEverySteps: p.checkpointEverySteps ?? defaultCheckpointSteps(plan.totalSteps),
      checkpointEveryMinutes: p.checkpointEveryMinutes,
      // A minutes budget is a time limit: its steps are planned from a timing, and the run stops when the time is spent.
      ...(plan.timeLimitSeconds !== undefined ? { timeLimitSeconds: plan.timeLimitSeconds } : {}),
      signal,
      onProgress,
      log,
    });
    const modelFolder = FINISHED.includes(reason) ? join(p.runDir, p.lora ? 'adapter' : 'model') : null;
    if (modelFolder && p.lora) await trainer.saveAdapter(modelFolder, p.lora.baseModel);
    else if (modelFolder) await trainer.saveModel(modelFolder);
    // maxRSS is in kilobytes.
    return {
      reason,
      steps: state.step,
      totalSteps: plan.totalSteps,
      tokens: state.tokens,
      modelFolder,
      elapsedSeconds: state.elapsedSeconds ?? 0,
      peakMemoryBytes: process.resourceUsage().maxRSS * 1024,
    };
  } finally {
    train.close();
    valid?.close();
    await trainer.close();
    await source?.weights.close();
    await startAdapter?.weights.close();
  }
}
