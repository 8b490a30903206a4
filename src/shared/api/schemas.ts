// GroveApi's contract as data: one zod schema per call's input and output. Both transports (Electron IPC,
// HTTP) validate every input against these before the engine sees it.
import { CollapseFacts } from './collapse-facts';
import { z } from 'zod';
import type { ApiMethodName } from './methods';
import { SafeName } from './names';
import { QuantSizes } from './quant';
import { chatSchemas } from './schemas-chat';
import { collapseTrialSchemas } from './schemas-collapse-trial';
import { estimateSchemas } from './schemas-estimate';
import { DomainExpert, forestSchemas } from './schemas-forest';
import { hubSchemas } from './schemas-hub';
import { mixSchemas } from './schemas-mix';
import { openAiSchemas } from './schemas-openai';
import { verdictSchemas } from './schemas-verdict';
import { discoverSchemas } from './schemas-discover';
import { clusterSchemas, TrainOn } from './schemas-cluster';

const Empty = z.object({}).strict();

export const ExecutionProviderInfo = z.object({
  name: z.string(),
  available: z.boolean(),
  reason: z.string().optional(),
});

export const EngineInfo = z.object({
  version: z.string(),
  forestHome: z.string(),
  runtime: z.object({
    onnxruntimeVersion: z.string(),
    /** Logical CPU cores of the engine's machine (in browser mode, not the browser's). */
    cpuCores: z.number().int().positive(),
    providers: z.array(ExecutionProviderInfo),
  }),
  /** The engine's machine's memory in bytes: physical (or the process's cgroup limit) and available now. */
  memory: z.object({ totalBytes: z.number().int().nonnegative(), availableBytes: z.number().int().nonnegative() }),
  transport: z.enum(['electron', 'http']),
});

export const DomainStats = z.object({
  accepted: z.number().int(),
  skipped: z.number().int(),
  tokens: z.number().int(),
  trainable: z.boolean(),
  message: z.string(),
});

export const DomainSummary = z.object({
  id: z.number().int(),
  name: z.string(),
  sourcePath: z.string().nullable(),
  stats: DomainStats.nullable(),
});

export const ForestSummary = z.object({
  forest: z.object({ id: z.number().int(), name: z.string(), createdAt: z.string() }).nullable(),
  domains: z.array(DomainSummary),
  models: z.array(
    z.object({
      id: z.number().int(),
      name: z.string(),
      role: z.enum(['seed', 'expert', 'collapsed', 'imported', 'baseline']),
      domainId: z.number().int().nullable(),
      // What the forest view's model cards show (src/app/catalog/summary.ts).
      status: z.enum(['training', 'ready', 'removed']),
      domain: z.string().nullable(),
      parameters: z.number().int().nullable(),
      weightsBytes: z.number().int().nullable(),
      /** A full model's weights in memory at each inference choice (f32, 8-bit, 4-bit); null for a light expert (it runs on its base) or an unreadable architecture. */
      inferenceBytes: QuantSizes.nullable(),
      /** Sum of the tokens of this model's training runs. */
      tokensTrained: z.number().int(),
      /** Latest test perplexity of this model on its own domain; null before an evaluation. */
      ownDomainPerplexity: z.number().nullable(),
      createdAt: z.string(),
      /** 'light': low-rank adapters over a shared base (weightsBytes is the adapter's size); 'full': a whole model. */
      kind: z.enum(['full', 'light']),
      /** A light expert's adapter settings and its base (the model it adapts, by name; null if that model is gone). */
      light: z
        .object({
          rank: z.number().int(),
          alpha: z.number(),
          targets: z.array(z.string()),
          base: z.string().nullable(),
          trainableParameters: z.number().int(),
        })
        .nullable(),
      /** A collapsed model: how it was made (merge method, settings, weights' source); null or absent otherwise, or for a collapse made before Grove kept it. */
      collapse: CollapseFacts.nullish(),
    }),
  ),
  /** Branch and collapse edges: the child was initialised as sum(weight * parent). */
  lineage: z.array(z.object({ child: z.number().int(), parent: z.number().int(), weight: z.number() })),
  /**
   * The forest's clusterer (a discovery grew its experts; c-BTM): the experts it routes to, and why their
   * cluster-routed ensemble cannot be scored (null when it can). Null or absent when the forest has no clusterer.
   */
  clusterRouting: z.object({ experts: z.array(z.string()), problem: z.string().nullable() }).nullish(),
});

export const IngestedDocument = z.object({
  path: z.string(),
  status: z.enum(['accepted', 'skipped']),
  type: z.string().nullable(),
  reason: z.string().nullable(),
  detail: z.string().nullable(),
  duplicateOf: z.string().nullable(),
  bytes: z.number().int(),
  tokens: z.number().int(),
  split: z.string().nullable(),
});

export const DomainReport = z.object({ domain: DomainSummary, documents: z.array(IngestedDocument) });

export const JobView = z.object({
  id: z.number().int(),
  kind: z.string(),
  label: z.string(),
  status: z.enum(['queued', 'running', 'paused', 'done', 'failed', 'cancelled']),
  done: z.number(),
  total: z.number(),
  etaSeconds: z.number().nullable(),
  error: z.string().nullable(),
  /** What the job is doing now, for jobs of several phases ("Branching", "Training"). */
  phase: z.string().optional(),
  /** The training run this job drives, if any (its loss curve: runMetrics). */
  runId: z.number().int().optional(),
});

/** Domain names become folder names: the one rule of names.ts. */
export const DomainName = SafeName;

export const apiSchemas = {
  info: { input: Empty, output: EngineInfo },
  forestSummary: { input: Empty, output: ForestSummary },
  domainReport: { input: z.object({ domain: z.string().min(1).max(200) }).strict(), output: DomainReport },
  /** Ingests a folder as a domain; with `expert`, then branches and trains one on it (queued in the ingest's own commit). */
  addDomain: {
    input: z
      .object({
        folder: z.string().min(1).max(4096),
        domain: DomainName,
        expert: DomainExpert.optional(),
        /** Where the expert trains: this computer or the Slurm cluster (schemas-cluster.ts); the forest's "Train on" setting by default. */
        on: TrainOn.optional(),
      })
      .strict(),
    output: JobView,
  },
  jobs: { input: Empty, output: z.array(JobView) },
  cancelJob: { input: z.object({ id: z.number().int().positive() }).strict(), output: JobView },
  exportModel: {
    input: z
      .object({
        /** A model name (or id) of the forest, or a model folder. */
        model: z.string().min(1).max(4096),
        /**
         * 'peft': a light expert's adapter as a PEFT LoRA folder (refused for a full model); a light expert in the
         * other formats is folded into its base and written as a full model. Default: defaults.ts defaultExportFormat.
         */
        format: z.enum(['gguf', 'hf', 'onnx', 'peft']).optional(),
        /** A file for gguf, a folder for hf, onnx and peft; absolute, on the engine's machine (default: defaults.ts defaultExportPath). */
        out: z.string().min(1).max(4096).optional(),
        /** q8_0 and q4_0 (llama.cpp's block quantization) for gguf only (default: defaults.ts defaultExportDtype). */
        dtype: z.enum(['f32', 'f16', 'q8_0', 'q4_0']).optional(),
        force: z.boolean().optional(),
      })
      .strict(),
    output: JobView,
  },
  ...forestSchemas(JobView, DomainName),
  ...estimateSchemas(JobView, DomainName),
  ...chatSchemas,
  ...hubSchemas(JobView),
  ...mixSchemas,
  ...openAiSchemas,
  ...verdictSchemas(JobView),
  ...collapseTrialSchemas(JobView),
  ...discoverSchemas(JobView),
  ...clusterSchemas,
} as const satisfies Record<ApiMethodName, { input: z.ZodType; output: z.ZodType }>;

export type ApiSchemas = typeof apiSchemas;
export type ApiInput<M extends ApiMethodName> = z.input<ApiSchemas[M]['input']>;
export type ApiOutput<M extends ApiMethodName> = z.output<ApiSchemas[M]['output']>;
/** A call's input as the engine receives it: validated, defaults filled in. */
export type ApiParsedInput<M extends ApiMethodName> = z.output<ApiSchemas[M]['input']>;
export type EngineInfo = z.output<typeof EngineInfo>;
export type ForestSummary = z.output<typeof ForestSummary>;
export type DomainSummary = z.output<typeof DomainSummary>;
export type DomainReport = z.output<typeof DomainReport>;
export type IngestedDocument = z.output<typeof IngestedDocument>;
