// The BTM benchmark's training plan, at equal compute C (optimizer steps of one batch, one model size):
// - dense: one model on the mix of the training genres for C steps (8 % warm-up, then linear decay);
// - seeds: the dense run's checkpoints at f*C for each seed fraction f: the seed phase IS the dense run's
//   first f*C steps (the released BTM recipe branches from a seed checkpoint taken part-way through), so
//   the dense model and every forest share their first f*C steps exactly;
// - experts: copies of a seed (weights and AdamW state) trained (1-f)*C/k steps each on one domain alone,
//   following the rest of the dense schedule compressed k-fold (linear from the seed's learning rate to
//   the same floor). Seed + k experts = C steps, the dense model's compute.
// The engine's training loop runs every phase; the dense run is paused at each branch point and resumed.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { readManifest, splitShards } from '../../engine/corpus/manifest';
import type { Split } from '../../engine/corpus/types';
import { loadLatestCheckpoint, saveCheckpoint } from '../../engine/train/checkpoint';
import { readMetrics, runTraining, type MetricRow, type TrainProgress } from '../../engine/train/loop';
import { learningRate, type ScheduleConfig } from '../../engine/train/schedule';
import type { LlamaTrainer } from '../../engine/train/step-runner';
import { TokenWindows, type ShardFile } from '../../engine/train/windows';
import { phaseSteps, type BtmConfig } from './config';
import type { BtmDomain } from './corpus';
import type { BtmProgress } from './progress';

export interface TrainedSeed {
  fraction: number;
  steps: number;
  /** The checkpoint experts branch from (parameters + AdamW moments + step count). */
  checkpointDir: string;
  modelDir: string;
  /** The dense schedule's learning rate at the branch point: where the experts' schedules start. */
  branchLr: number;
}

export interface DenseRun {
  modelDir: string;
  seeds: TrainedSeed[];
  /** Validation loss on the mix's valid split during the run (the seed's loss curve). */
  validCurve: { step: number; loss: number }[];
}

export interface Expert {
  domain: string;
  /** A full expert's model folder, or a light expert's PEFT adapter folder (over `baseDir`). */
  modelDir: string;
  finalLoss: number;
  /** A light expert's base model folder (its seed); absent for a full expert. */
  baseDir?: string;
}

async function shards(domains: readonly BtmDomain[], split: Split): Promise<ShardFile[]> {
  const files: ShardFile[] = [];
  for (const d of domains) files.push(...splitShards(d.dir, await readManifest(d.dir), split));
  return files;
}

/** The dense model's schedule over C steps. */
export function denseSchedule(config: BtmConfig): Omit<ScheduleConfig, 'totalSteps'> {
  return {
    peakLr: config.peakLr,
    warmupSteps: Math.round(config.warmupFraction * config.totalSteps),
    decay: 'linear',
    minLrRatio: config.minLrRatio,
  };
}

/** An expert's schedule: the dense schedule after the branch point, compressed onto the expert's steps. */
export function expertSchedule(config: BtmConfig, branchLr: number): Omit<ScheduleConfig, 'totalSteps'> {
  return { peakLr: branchLr, warmupSteps: 0, decay: 'linear', minLrRatio: Math.min(1, (config.peakLr * config.minLrRatio) / branchLr) };
}

function stepLine(what: string, p: TrainProgress): string {
  return `${what}: step ${p.step}/${p.totalSteps} loss ${p.loss.toFixed(3)} ${p.tokensPerSecond.toFixed(0)} tok/s`;
}

/** Trains the dense model for C steps, saving a seed (checkpoint + model) at each f*C on the way. */
export async function trainDenseAndSeeds(
  trainer: LlamaTrainer,
  genres: readonly BtmDomain[],
  config: BtmConfig,
  work: string,
  progress: BtmProgress,
): Promise<DenseRun> {
  const trainDomains = genres.filter((g) => g.role === 'train');
  const train = new TokenWindows(await shards(trainDomains, 'train'), config.contextLength, config.seeds.data);
  const valid = new TokenWindows(await shards(trainDomains, 'valid'), config.contextLength, config.seeds.data);
  const runDir = join(work, 'runs', 'dense');
  const schedule = denseSchedule(config);
  const tokensPerStep = config.batchSize * config.contextLength;
  const stops = [...new Set(config.seedFractions.map((f) => phaseSteps(config, f).seedSteps)), config.totalSteps].sort((a, b) => a - b);
  const seeds: TrainedSeed[] = [];
  try {
    for (const stop of stops) {
      const pause = new AbortController();
      const { state } = await runTraining(trainer, {
        runDir,
        totalSteps: config.totalSteps,
        schedule,
        seed: config.seeds.data,
        train,
        valid,
        evalEvery: config.denseEvalEvery,
        evalBatches: config.denseEvalBatches,
        signal: pause.signal,
        onProgress: (p) => {
          progress.trained(tokensPerStep);
          progress.update(stepLine(`dense + seeds (next stop ${stop})`, p));
          if (p.step === stop && stop < config.totalSteps) pause.abort('pause');
        },
      });
      if (stop === config.totalSteps) break;
      const fraction = stop / config.totalSteps;
      const dir = join(work, 'seeds', `seed-${Math.round(fraction * 100)}`);
      const checkpointDir = join(dir, 'checkpoints');
      await saveCheckpoint(checkpointDir, state, await trainer.exportState(), 1);
      await trainer.saveModel(join(dir, 'model'));
      seeds.push({
        fraction,
        steps: stop,
        checkpointDir,
        modelDir: join(dir, 'model'),
        branchLr: learningRate({ ...schedule, totalSteps: config.totalSteps }, stop),
      });
    }
    const modelDir = join(work, 'dense');
    await trainer.saveModel(modelDir);
    const validCurve = readMetrics(runDir)
      .filter((m: MetricRow) => m.split === 'valid')
      .map((m) => ({ step: m.step, loss: m.loss }));
    rmSync(join(runDir, 'checkpoints'), { recursive: true, force: true });
    return { modelDir, seeds, validCurve };
  } finally {
    train.close();
    valid.close();
  }
}

/** How trainEachDomain starts and keeps each expert of a forest. */
export interface DomainTraining {
  steps: number;
  schedule: Omit<ScheduleConfig, 'totalSteps'>;
  /** Names the run's folders (runs/<label>, models/<label>) and the progress line. */
  label: string;
  /** "expert" or "light expert", on the progress line. */
  kind: string;
  /** Puts the trainer in the i-th expert's starting state. */
  start: (i: number) => Promise<void>;
  /** Writes the trained expert into `modelDir`. */
  save: (modelDir: string) => Promise<void>;
  /** A light expert's base, recorded on each Expert. */
  baseDir?: string;
}

/**
 * Trains one expert per domain, each on its domain alone: started by `o.start`, then `o.steps` steps on its
 * own data order (seed data + 1 + i, the same for every kind of expert of that domain), then saved.
 */
export async function trainEachDomain(
  trainer: LlamaTrainer,
  domains: readonly BtmDomain[],
  config: BtmConfig,
  work: string,
  progress: BtmProgress,
  o: DomainTraining,
): Promise<Expert[]> {
  const tokensPerStep = config.batchSize * config.contextLength;
  const experts: Expert[] = [];
  for (const [i, domain] of domains.entries()) {
    await o.start(i);
    const dataSeed = config.seeds.data + 1 + i;
    const train = new TokenWindows(await shards([domain], 'train'), config.contextLength, dataSeed);
    const runDir = join(work, 'runs', o.label, domain.name);
    let finalLoss = Number.NaN;
    try {
      await runTraining(trainer, {
        runDir,
        totalSteps: o.steps,
        schedule: o.schedule,
        seed: dataSeed,
        train,
        onProgress: (p) => {
          progress.trained(tokensPerStep);
          finalLoss = p.loss;
          progress.update(stepLine(`${o.label} ${o.kind} ${i + 1}/${domains.length} ${domain.name}`, p));
        },
      });
    } finally {
      train.close();
    }
    const modelDir = join(work, 'models', o.label, domain.name);
    await o.save(modelDir);
    rmSync(join(runDir, 'checkpoints'), { recursive: true, force: true });
    experts.push({ domain: domain.name, modelDir, finalLoss, ...(o.baseDir ? { baseDir: o.baseDir } : {}) });
  }
  return experts;
}

/** Branches one expert per domain from `seed` and trains each (1-f)*C/k steps on its domain alone. */
export async function trainForest(
  trainer: LlamaTrainer,
  seed: TrainedSeed,
  domains: readonly BtmDomain[],
  config: BtmConfig,
  work: string,
  label: string,
  progress: BtmProgress,
): Promise<Expert[]> {
  return trainEachDomain(trainer, domains, config, work, progress, {
    steps: phaseSteps(config, seed.fraction).expertSteps,
    schedule: expertSchedule(config, seed.branchLr),
    label,
    kind: 'expert',
    start: async () => {
      // A copy of the seed: its parameters and AdamW state.
      const checkpoint = await loadLatestCheckpoint(seed.checkpointDir);
      if (!checkpoint) throw new Error(`BTM benchmark: the seed checkpoint in ${seed.checkpointDir} is missing or damaged.`);
      try {
        await trainer.importState(checkpoint.tensors);
      } finally {
        await checkpoint.tensors.close();
      }
    },
    save: async (modelDir) => {
      await trainer.saveModel(modelDir);
    },
  });
}
