// A training run as a job: a model (a stored folder, or a fresh init of a config), a domain's token
// shards, a budget in steps; checkpoints in the run folder, so a killed worker resumes where it stopped.
// The trained model is written to <runDir>/model (config.json + model.safetensors) at the end.
import { join } from 'node:path';
import { z } from 'zod';
import { readManifest, splitShards } from '../corpus/manifest';
import { ModelConfigSchema } from '../model/config';
import { readModelFolder } from '../model/folder';
import { runTraining, type TrainProgress, type StopReason } from './loop';
import { LlamaTrainer } from './step-runner';
import { TokenWindows } from './windows';

export const TrainJobPayload = z
  .object({
    runDir: z.string().min(1),
    domainDir: z.string().min(1),
    /** Start from this model folder's weights; without it, a fresh init of `config` (a seed from scratch). */
    modelFolder: z.string().min(1).optional(),
    config: z.unknown().optional(),
    steps: z.number().int().positive(),
    batchSize: z.number().int().positive(),
    /** Split each batch into this many micro-batches (accumulated gradients: same step, less memory). */
    microBatches: z.number().int().positive().default(1),
    contextLength: z.number().int().positive(),
    peakLr: z.number().positive().default(1e-3),
    warmupFraction: z.number().min(0).max(1).default(0.08),
    seed: z.number().int().min(0).default(0),
    threads: z.number().int().min(0).default(0),
    evalEvery: z.number().int().positive().optional(),
    checkpointEverySteps: z.number().int().positive().optional(),
    checkpointEveryMinutes: z.number().positive().default(5),
  })
  .strict();
export type TrainJobPayload = z.input<typeof TrainJobPayload>;

export async function runTrainJob(input: unknown, signal: AbortSignal, onProgress: (p: TrainProgress) => void, log: (line: string) => void): Promise<{ reason: StopReason; steps: number; modelFolder: string | null }> {
  const p = TrainJobPayload.parse(input);
  const source = p.modelFolder ? await readModelFolder(p.modelFolder) : null;
  const config = source ? source.config : ModelConfigSchema.parse(p.config);
  const trainer = await LlamaTrainer.create(config, { batchSize: p.batchSize, microBatches: p.microBatches, contextLength: p.contextLength, threads: p.threads, seed: p.seed });
  if (source) {
    await trainer.loadWeights(source.weights);
    await source.weights.close();
  }
  const manifest = await readManifest(p.domainDir);
  const train = new TokenWindows(splitShards(p.domainDir, manifest, 'train'), p.contextLength, p.seed);
  const valid = p.evalEvery ? new TokenWindows(splitShards(p.domainDir, manifest, 'valid'), p.contextLength, p.seed) : undefined;
  try {
    const { reason, state } = await runTraining(trainer, {
      runDir: p.runDir,
      totalSteps: p.steps,
      schedule: { peakLr: p.peakLr, warmupSteps: Math.round(p.warmupFraction * p.steps) },
      seed: p.seed,
      train,
      ...(valid ? { valid, evalEvery: p.evalEvery } : {}),
      ...(p.checkpointEverySteps ? { checkpointEverySteps: p.checkpointEverySteps } : {}),
      checkpointEveryMinutes: p.checkpointEveryMinutes,
      signal,
      onProgress,
      log,
    });
    const modelFolder = reason === 'done' || reason === 'early-stop' ? join(p.runDir, 'model') : null;
    if (modelFolder) await trainer.saveModel(modelFolder);
    return { reason, steps: state.step, modelFolder };
  } finally {
    train.close();
    valid?.close();
    await trainer.close();
  }
}
