// How a forest trains its models: context, batch, learning rate and schedule (btm.md "Seed": AdamW 0.9/0.95,
// weight decay 0.1, clipping, 8 % warm-up, then decay), sized to the model; and budgets turned into steps.
import { z } from 'zod';
import { GroveError } from '../../shared/api/errors';
import { DEFAULT_EXPERT_PASSES, stepsForPasses } from '../../shared/api/defaults';
import type { ExpertBudget, TrainBudget } from '../../shared/api/schemas-forest';
import type { Catalog } from '../catalog/catalog';
import { forestSettingsJson, setForestSettingsJson } from '../catalog/forests';
import { clusterKeysOf, forestSettingsObject, withoutClusterKeys } from './cluster-settings';
import type { ModelConfig } from '../../engine/model/config';
import { parameterCount } from '../../engine/model/names';

export const TrainingSettings = z
  .object({
    contextLength: z.number().int().positive().max(32768),
    batchSize: z.number().int().positive().max(4096),
    microBatches: z.number().int().positive().default(1),
    /** Recompute activations in the backward pass: less memory, about a fifth more time a step (train-graph.ts). */
    recompute: z.boolean().default(false),
    peakLr: z.number().positive().max(1),
    warmupFraction: z.number().min(0).max(1).default(0.08),
    decay: z.enum(['cosine', 'linear', 'polynomial', 'constant']).default('cosine'),
    minLrRatio: z.number().min(0).max(1).default(0.1),
    /** Validations per run (each on a few held-out batches); 0 = none. */
    validations: z.number().int().min(0).max(1000).default(10),
    /** Stop after this many validations without improvement (0 = never stop early). */
    patience: z.number().int().min(0).default(0),
    seed: z.number().int().min(0).default(0),
    threads: z.number().int().min(0).default(0),
    /** Checkpoint every this many steps (unset: a tenth of the run, at least 50; train-job.ts defaultCheckpointSteps)... */
    checkpointEverySteps: z.number().int().positive().optional(),
    /** ...or after this many minutes, whichever comes first. */
    checkpointMinutes: z
      .number()
      .positive()
      .max(24 * 60)
      .default(5),
  })
  .strict();
export type TrainingSettings = z.output<typeof TrainingSettings>;
export type TrainingSettingsInput = z.input<typeof TrainingSettings>;

/**
 * Settings sized to the model. From scratch, small models take large learning rates (nanoGPT-style
 * 1e-3 to 2e-3 at a few million parameters); a pretrained seed is fine-tuned at 1e-4 or below so that
 * an expert keeps what the seed knew. Models above ~100M parameters accumulate 4 micro-batches to stay
 * within a few GB (the 135M shape at 4x256 peaks under 4 GB that way).
 */
export function defaultTrainingSettings(config: ModelConfig, pretrained: boolean): TrainingSettings {
  const params = parameterCount(config);
  const tiny = params < 5e6;
  const large = params > 1e8;
  const contextLength = Math.min(config.maxPositionEmbeddings, tiny ? 128 : 256);
  const batchSize = tiny ? 16 : 8;
  const scratchLr = tiny ? 2e-3 : large ? 3e-4 : 1e-3;
  return TrainingSettings.parse({
    contextLength,
    batchSize,
    microBatches: large ? 4 : 1,
    peakLr: pretrained ? (large ? 5e-5 : 1e-4) : scratchLr,
  });
}

/**
 * A light expert's settings from the forest's: the same batch, context and schedule, at ten times the peak
 * learning rate (at most 1e-2). Low-rank adapters start at zero and move a small subspace, and their best
 * learning rate sits about an order of magnitude above full fine-tuning's (Biderman et al. 2024, "LoRA
 * Learns Less and Forgets Less"; PEFT's examples use 1e-4 to 1e-3 where full fine-tuning uses 1e-5 to 1e-4).
 */
export function lightTrainingSettings(s: TrainingSettings): TrainingSettings {
  return { ...s, peakLr: Math.min(LIGHT_MAX_LR, 10 * s.peakLr) };
}
const LIGHT_MAX_LR = 1e-2;

/** The forest's stored training settings, else the defaults for its seed. */
export function forestTrainingSettings(catalog: Catalog, forestId: number, seedConfig: ModelConfig, pretrained: boolean): TrainingSettings {
  const json = forestSettingsJson(catalog, forestId);
  const defaults = defaultTrainingSettings(seedConfig, pretrained);
  if (!json) return defaults;
  // The same JSON keeps where experts train (cluster-settings.ts): not a training setting.
  const stored = TrainingSettings.partial().safeParse(withoutClusterKeys(JSON.parse(json) as Record<string, unknown>));
  if (!stored.success)
    throw new GroveError(
      'bad_input',
      `The forest's training settings are not valid (${stored.error.issues.map((i) => i.path.join('.')).join(', ')}); set them again.`,
    );
  return TrainingSettings.parse({ ...defaults, ...stored.data });
}

export function saveForestTrainingSettings(catalog: Catalog, forestId: number, settings: TrainingSettings): void {
  const kept = clusterKeysOf(forestSettingsObject(catalog, forestId));
  setForestSettingsJson(catalog, forestId, JSON.stringify({ ...TrainingSettings.parse(settings), ...kept }));
}

/** A budget as the training job takes it: steps, or minutes (the job times its steps to know how many). */
export function budgetToJob(
  budget: TrainBudget,
  s: Pick<TrainingSettings, 'batchSize' | 'contextLength'>,
): { steps: number } | { minutes: number } {
  if ('steps' in budget) return { steps: budget.steps };
  if ('tokens' in budget) return { steps: Math.max(1, Math.ceil(budget.tokens / (s.batchSize * s.contextLength))) };
  return { minutes: budget.minutes };
}

/** A new expert's budget on a domain of `trainTokens`: passes become steps there; none is the default passes (app and CLI alike). */
export function expertBudget(
  budget: ExpertBudget | undefined,
  trainTokens: number,
  s: Pick<TrainingSettings, 'batchSize' | 'contextLength'>,
): TrainBudget {
  const b = budget ?? { passes: DEFAULT_EXPERT_PASSES };
  return 'passes' in b ? { steps: stepsForPasses(b.passes, trainTokens, s.batchSize * s.contextLength) } : b;
}

/** Without a budget: DEFAULT_EXPERT_PASSES passes over the domain's training tokens, at least 20 steps. */
export function defaultBudget(trainTokens: number, s: Pick<TrainingSettings, 'batchSize' | 'contextLength'>): TrainBudget {
  return expertBudget(undefined, trainTokens, s);
}

/** The training job's fields that come from the settings (train/train-job.ts TrainJobPayload). */
export function trainJobSettings(s: TrainingSettings) {
  const {
    contextLength,
    batchSize,
    microBatches,
    recompute,
    peakLr,
    warmupFraction,
    decay,
    minLrRatio,
    validations,
    patience,
    seed,
    threads,
    checkpointEverySteps,
    checkpointMinutes,
  } = s;
  return {
    contextLength,
    batchSize,
    microBatches,
    recompute,
    peakLr,
    warmupFraction,
    decay,
    minLrRatio,
    validations,
    patience,
    seed,
    threads,
    ...(checkpointEverySteps ? { checkpointEverySteps } : {}),
    checkpointEveryMinutes: checkpointMinutes,
  };
}
