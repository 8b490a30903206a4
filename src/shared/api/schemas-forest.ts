// GroveApi's BTM operations (btm.md "The four operations"): the sample forest, priors, branch-train-merge
// of a new expert, training runs, evaluation, collapse, removal. Long work returns the JobView of a job
// that runs in a worker; its results land in the catalog and show up through forestSummary and these reads.
import { z } from 'zod';
import { MergeMethodName, MergeMethodView, MergeSettings } from './merge-methods';
import { DEFAULT_BRANCH_TOP_K } from './defaults';
import { SafeName } from './names';
import { TrainOn } from './schemas-cluster';

/** How long a training run goes: optimizer steps, training tokens, or wall-clock minutes. */
export const TrainBudget = z.union([
  z.object({ steps: z.number().int().positive().max(10_000_000) }).strict(),
  z.object({ tokens: z.number().int().positive().max(1e13) }).strict(),
  z
    .object({
      minutes: z
        .number()
        .positive()
        .max(60 * 24 * 30),
    })
    .strict(),
]);

/**
 * A new expert's budget: a TrainBudget, or passes over its domain's training text, which become steps on that
 * domain (defaults.ts stepsForPasses). Without one: DEFAULT_EXPERT_PASSES, in the app and the CLI alike.
 */
export const ExpertBudget = z.union([TrainBudget, z.object({ passes: z.number().positive().max(1000) }).strict()]);

/** Where training runs: 'auto' takes the best execution provider present, else the CPU (with the reason). */
export const DeviceChoice = z.enum(['auto', 'cpu', 'cuda', 'webgpu', 'dml', 'coreml']);

/** CPU threads for one run (0: ONNX Runtime's default, every core); for training, the forest's setting when omitted. */
export const Threads = z.number().int().min(0).max(1024);

/** How often a training run checkpoints: every N steps or M minutes, whichever comes first (unset: the forest's setting, else sized to the run). */
export const CheckpointEvery = z
  .object({
    steps: z.number().int().positive().max(1e9).optional(),
    minutes: z
      .number()
      .positive()
      .max(24 * 60)
      .optional(),
  })
  .strict();

/** A new expert's starting point: posterior-weighted average of the top-k experts, the seed, or the nearest expert. */
export const BranchInitKind = z.enum(['posterior', 'seed', 'nearest']);

const ModelName = z.string().min(1).max(200);

/** The projections a light expert's adapters may target (PEFT's target_modules names; engine/model/lora.ts LORA_TARGETS). */
export const LoraTargetName = z.enum(['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj']);

/**
 * How a light expert branched from light parents starts (btm.md: their posterior-weighted average
 * W0 + sum_j w_j s_j B_j A_j): 'exact', their adapters side by side (rank the sum of theirs), or 'svd', the
 * best rank-r approximation of the averaged delta per matrix (truncated SVD; r the requested rank).
 */
export const LightStart = z.enum(['exact', 'svd']);
export type LightStart = z.output<typeof LightStart>;
/** The start a light branch takes when none is asked for (chosen from bench/results/light-start.notes.md). */
export const DEFAULT_LIGHT_START: LightStart = 'exact';

/**
 * A light expert: low-rank adapters (LoRA) over the forest's seed, which stays frozen and shared. Rank 16,
 * alpha twice the rank and every projection by default; `start` applies to a branch from light parents.
 */
export const LightSettings = z
  .object({
    rank: z.number().int().min(1).max(1024).default(16),
    alpha: z.number().positive().max(1e6).optional(),
    targets: z.array(LoraTargetName).min(1).max(7).optional(),
    start: LightStart.optional(),
  })
  .strict();

/** A new expert to branch, train and merge on a domain (trainExpert adds the domain; addDomain takes it as its follow-up). */
export const DomainExpert = z
  .object({
    /** The expert's name; the domain's by default. */
    name: SafeName.optional(),
    init: BranchInitKind.default('posterior'),
    /** Posterior init: average only the k most likely experts. */
    topK: z.number().int().positive().max(64).default(DEFAULT_BRANCH_TOP_K),
    budget: ExpertBudget.optional(),
    device: DeviceChoice.default('auto'),
    threads: Threads.optional(),
    checkpoint: CheckpointEvery.optional(),
    /** Make a light expert (low-rank adapters over the seed) instead of a full copy. */
    light: LightSettings.optional(),
  })
  .strict();

/** What a cached prior was estimated on: 'domain:NAME', 'folder:PATH', 'chat:ID' or 'mix'. */
export const PriorTargetString = z
  .string()
  .min(3)
  .max(4200)
  .regex(/^(mix|domain:.+|folder:.+|chat:[1-9]\d*)$/s, 'use domain:NAME, folder:PATH, chat:ID or mix');

export const WeightedModel = z.object({ modelId: z.number().int(), name: z.string(), weight: z.number() });

export const PriorView = z.object({
  target: z.string(),
  weights: z.array(WeightedModel),
  sequences: z.number().int(),
  createdAt: z.string(),
});

/** What was estimated before a run, as the new-expert flow showed it (schemas-estimate.ts KindEstimate). */
export const RunEstimate = z.object({
  kind: z.enum(['full', 'light']),
  /** Null when no speed was known yet. */
  seconds: z.number().nullable(),
  peakMemoryBytes: z.number().int(),
  /** Where the time's speed came from: earlier runs, a measurement, or none. */
  speed: z.enum(['runs', 'measured']).nullable(),
});

/** What a run took: its training seconds (pauses left out) and its job process's peak memory (null where not measured). */
export const RunActual = z.object({ seconds: z.number(), peakMemoryBytes: z.number().int().nullable() });

export const RunView = z.object({
  id: z.number().int(),
  modelId: z.number().int(),
  modelName: z.string(),
  domain: z.string().nullable(),
  status: z.enum(['queued', 'running', 'paused', 'done', 'failed', 'cancelled']),
  step: z.number().int(),
  totalSteps: z.number().int(),
  tokens: z.number().int(),
  device: z.string(),
  lastLoss: z.number().nullable(),
  lastValidLoss: z.number().nullable(),
  jobId: z.number().int().nullable(),
  error: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** The estimate shown before the run (new experts queued since catalog v7), and what it took once it finished. */
  estimate: RunEstimate.nullable(),
  actual: RunActual.nullable(),
});

export const MetricPoint = z.object({
  step: z.number().int(),
  split: z.enum(['train', 'valid']),
  loss: z.number(),
  tokensPerSecond: z.number().optional(),
});

/** What an evaluation scored: one model, or an ensemble of experts under a prior. */
export const EvalSpec = z.union([
  z.object({ kind: z.literal('model'), model: z.string() }),
  z.object({
    kind: z.literal('ensemble'),
    models: z.array(z.string()),
    prior: z.enum(['uniform', 'cached']),
    posterior: z.enum(['context', 'last-token']),
    topK: z.number().int().optional(),
  }),
  /** The ensemble weighed by the forest's clusterer (c-BTM routing), not by a posterior: `grove eval --routing clusters`. */
  z.object({ kind: z.literal('routed'), routing: z.literal('clusters'), models: z.array(z.string()) }),
]);

export const EvaluationView = z.object({
  label: z.string(),
  spec: EvalSpec,
  domain: z.string(),
  split: z.enum(['train', 'valid', 'test']),
  loss: z.number(),
  perplexity: z.number(),
  bitsPerByte: z.number().nullable(),
  tokens: z.number().int(),
  createdAt: z.string(),
});

export const CollapseWeighting = z.union([
  /** The paper's best and the default: the cached prior of the models on a target. */
  z.object({ kind: z.literal('posterior'), target: PriorTargetString }).strict(),
  /** The chat's domain-mix sliders, by model name (renormalised; models left out get 0). */
  z.object({ kind: z.literal('manual'), weights: z.record(ModelName, z.number().min(0).finite()) }).strict(),
  /** Offered, never the default: it did worse than the dense model in the paper. */
  z.object({ kind: z.literal('uniform') }).strict(),
]);

/** What a collapse makes: a full model, or (light experts over one base only) a light model over that base. */
export const CollapseKeep = z.enum(['full', 'light']);
export type CollapseKeep = z.output<typeof CollapseKeep>;

const JobId = z.object({ id: z.number().int().positive() }).strict();

/** The forest's calls, merged into apiSchemas (their outputs that are jobs use the shared JobView). */
export function forestSchemas<J extends z.ZodType>(JobView: J, DomainName: z.ZodType<string, string>) {
  return {
    /** A forest from the bundled Brown corpus: BPE tokenizer, a seed on the genres' mix, one expert per genre. */
    createSampleForest: {
      input: z.object({ preset: z.enum(['tiny', 'standard']).default('standard') }).strict(),
      output: JobView,
    },
    /** A forest from scratch on the person's own folders: BPE tokenizer and seed trained on their mix (the seed phase). */
    createForest: {
      input: z
        .object({
          domains: z
            .array(z.object({ name: DomainName, folder: z.string().min(1).max(4096) }).strict())
            .min(1)
            .max(64),
          shape: z.enum(['micro', 'tiny', 'small']).default('tiny'),
          vocabSize: z.number().int().min(300).max(65536).optional(),
          budget: TrainBudget.optional(),
          /** Then branch and train one expert per domain from the seed (BTM's first batch of experts). */
          experts: z.object({ budget: ExpertBudget.optional() }).strict().optional(),
        })
        .strict(),
      output: JobView,
    },
    /** Computes and caches the prior (domain posterior) of the forest's experts on a target. */
    estimatePrior: {
      input: z.object({ target: PriorTargetString, sequences: z.number().int().positive().max(10_000).optional() }).strict(),
      output: JobView,
    },
    priors: { input: z.object({}).strict(), output: z.array(PriorView) },
    /** Branch, train and merge a new expert for an ingested domain (the everyday path after addDomain). */
    trainExpert: {
      input: DomainExpert.extend({
        domain: DomainName,
        /** Make the expert's init and stop there (`grove branch`); `trainModel` trains it later. */
        branchOnly: z.boolean().default(false),
        /** Where it trains: this computer or the Slurm cluster (schemas-cluster.ts); the forest's "Train on" setting by default. */
        on: TrainOn.optional(),
      }).strict(),
      output: JobView,
    },
    /** Trains a model of the forest further (a branched expert, or a ready one) on a domain: its own by default. */
    trainModel: {
      input: z
        .object({
          model: ModelName,
          domain: DomainName.optional(),
          budget: TrainBudget.optional(),
          device: DeviceChoice.default('auto'),
          threads: Threads.optional(),
          checkpoint: CheckpointEvery.optional(),
        })
        .strict(),
      output: JobView,
    },
    runs: { input: z.object({}).strict(), output: z.array(RunView) },
    runMetrics: {
      input: z.object({ runId: z.number().int().positive() }).strict(),
      output: z.object({ runId: z.number().int(), points: z.array(MetricPoint) }),
    },
    pauseJob: { input: JobId, output: JobView },
    resumeJob: { input: JobId, output: JobView },
    /** Takes a model out of the forest; its files stay until gc. */
    removeModel: { input: z.object({ model: ModelName }).strict(), output: z.object({ removed: z.string() }) },
    /** Deletes weight files, compiled graphs and run folders no model of the catalog points to. */
    gc: { input: z.object({}).strict(), output: z.object({ files: z.number().int(), bytes: z.number().int() }) },
    /** Scores models (default: every ready model), the experts' ensemble, and on request their cluster-routed ensemble, on domains (default: all), test split. */
    evaluate: {
      input: z
        .object({
          models: z.array(ModelName).max(64).optional(),
          domains: z.array(DomainName).max(64).optional(),
          ensemble: z.boolean().default(true),
          /** Also the experts' ensemble weighed by the forest's clusterer (c-BTM), as `grove eval --routing clusters`; the forest needs one. */
          clusterRouted: z.boolean().default(false),
          split: z.enum(['train', 'valid', 'test']).default('test'),
        })
        .strict(),
      output: JobView,
    },
    evaluations: { input: z.object({}).strict(), output: z.array(EvaluationView) },
    /** One model from several by weighted parameter average (default: every expert), as a new model. */
    collapse: {
      input: z
        .object({
          name: SafeName,
          models: z.array(ModelName).min(2).max(64).optional(),
          weighting: CollapseWeighting,
          /** How the weighted models become one (default: the weighted average, BTM's collapse). */
          method: MergeMethodName.default('linear'),
          settings: MergeSettings.default({}),
          /** 'light' keeps light experts over one base light: one adapter, their adapters concatenated (exact). */
          keep: CollapseKeep.default('full'),
        })
        .strict(),
      output: JobView,
    },
    /** The merge methods collapse offers, with what each does and its settings explained. */
    mergeMethods: { input: z.object({}).strict(), output: z.array(MergeMethodView) },
  } as const;
}

export type TrainBudget = z.output<typeof TrainBudget>;
export type ExpertBudget = z.output<typeof ExpertBudget>;
export type DomainExpert = z.output<typeof DomainExpert>;
export type LightSettings = z.output<typeof LightSettings>;
export type PriorView = z.output<typeof PriorView>;
export type RunView = z.output<typeof RunView>;
export type RunEstimate = z.output<typeof RunEstimate>;
export type RunActual = z.output<typeof RunActual>;
export type MetricPoint = z.output<typeof MetricPoint>;
export type EvaluationView = z.output<typeof EvaluationView>;
export type EvalSpec = z.output<typeof EvalSpec>;
export type CollapseWeightingInput = z.output<typeof CollapseWeighting>;
