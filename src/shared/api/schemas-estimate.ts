// GroveApi's estimates before a long job: what training a new expert on a domain will take on the engine's
// machine, for a full and a light expert (disk, peak memory, time), and the short measurement of this
// machine's training speed that the time comes from when no earlier run of the forest says it.
import { z } from 'zod';
import { DiscoveredDomain } from './schemas-discover';
import { DeviceChoice, ExpertBudget, LoraTargetName, Threads, TrainBudget } from './schemas-forest';

/** The light option's adapter (the full option has no settings): rank and targets as trainExpert takes them. */
const LightOption = z
  .object({
    rank: z.number().int().min(1).max(1024).default(16),
    targets: z.array(LoraTargetName).min(1).max(7).optional(),
  })
  .strict();

/** Where a time estimate's speed comes from: earlier runs of the forest, a measurement, or the other kind's, scaled by FLOPs. */
export const SpeedSource = z.object({
  kind: z.enum(['runs', 'measured']),
  /** The kind of expert the speed was measured on (the other kind's is scaled by the FLOPs of a step). */
  of: z.enum(['full', 'light']),
  /** Earlier runs it comes from (kind 'runs'). */
  runs: z.number().int().optional(),
  /** When it was measured (kind 'measured'). */
  measuredAt: z.string().optional(),
  /** The device the runs or the measurement trained on. */
  device: z.string(),
});

export const KindEstimate = z.object({
  kind: z.enum(['full', 'light']),
  trainableParameters: z.number().int(),
  /** The new expert's weights file in the store. */
  diskBytes: z.number().int(),
  /** The most the run keeps on disk at once until gc (init, checkpoints, the trained copy). */
  trainingDiskBytes: z.number().int(),
  /** The training process's peak memory, from the shapes (train/estimate.ts). */
  peakMemoryBytes: z.number().int(),
  /** 'comfortable': under 70 % of the memory available now; 'tight': under all of it; 'no': more than is available. */
  fits: z.enum(['comfortable', 'tight', 'no']),
  flopsPerToken: z.number(),
  steps: z.number().int(),
  tokens: z.number().int(),
  /** Null when no speed is known yet (measureTraining finds it). */
  seconds: z.number().nullable(),
  tokensPerSecond: z.number().nullable(),
  speed: SpeedSource.nullable(),
});

export const TrainingEstimate = z.object({
  domain: z.string(),
  /** The budget estimated: the one asked about, or the default for the domain (two passes over its training tokens). */
  budget: TrainBudget,
  /** The domain's training tokens. */
  domainTokens: z.number().int(),
  settings: z.object({
    batchSize: z.number().int(),
    microBatches: z.number().int(),
    contextLength: z.number().int(),
    threads: z.number().int(),
  }),
  /** The engine's machine: physical memory and what is available now (bytes). */
  machine: z.object({ totalMemoryBytes: z.number().int(), availableMemoryBytes: z.number().int() }),
  full: KindEstimate,
  light: KindEstimate,
  /** The kind that fits this machine: full while its peak fits comfortably, else light. */
  recommended: z.enum(['full', 'light']),
  /** One sentence on why. */
  reason: z.string(),
});

export function estimateSchemas<J extends z.ZodType>(JobView: J, DomainName: z.ZodType<string, string>) {
  return {
    /** Disk, memory and time of a new expert on a domain, full and light, on the engine's machine. */
    trainingEstimate: {
      input: z
        .object({
          domain: DomainName,
          budget: ExpertBudget.optional(),
          light: LightOption.default({ rank: 16 }),
          device: DeviceChoice.default('auto'),
          threads: Threads.optional(),
        })
        .strict(),
      output: TrainingEstimate,
    },
    /**
     * The same estimate for each domain a person made of a discovery's clusters, before it is grown: its training
     * tokens are those its ingest will give (the discovery's records of its members, split as the ingest splits).
     */
    discoveredEstimate: {
      input: z
        .object({
          folder: z.string().min(1).max(4096),
          domains: z.array(DiscoveredDomain).min(1).max(64),
          budget: ExpertBudget.optional(),
          light: LightOption.default({ rank: 16 }),
          device: DeviceChoice.default('auto'),
          threads: Threads.optional(),
        })
        .strict(),
      output: z.array(TrainingEstimate),
    },
    /** Times a few training steps of the forest's seed shape, full and light (each where it fits in memory), and keeps the speed. */
    measureTraining: {
      input: z
        .object({ light: LightOption.default({ rank: 16 }), device: DeviceChoice.default('auto'), threads: Threads.optional() })
        .strict(),
      output: JobView,
    },
  } as const;
}

export type TrainingEstimate = z.output<typeof TrainingEstimate>;
export type KindEstimate = z.output<typeof KindEstimate>;
export type SpeedSource = z.output<typeof SpeedSource>;
