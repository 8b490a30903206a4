// GroveApi's calls for models coming in: the curated list of small models known to work, a download from
// the Hugging Face Hub, a local model folder planted as the forest's seed (`grove init --from` for the app),
// and a PEFT LoRA adapter folder taken in as a light expert. Downloads and seed imports are jobs run in a
// worker (their JobView carries bytes, speed and ETA); an adapter, a few % of its base, is taken in at once.
import { z } from 'zod';
import { SafeName } from './names';
import { LoraTargetName } from './schemas-forest';

/** Where the picker's time comes from: the forest's runs here, a measurement here, or a reference machine's speed per core. */
export const MachineSpeedView = z.object({
  kind: z.enum(['runs', 'measured', 'reference']),
  /** Training FLOP/s the time is computed with. */
  flopsPerSecond: z.number().positive(),
  /** Runs or measurements it is the median of (0 for the reference). */
  samples: z.number().int().min(0),
});

/** What a curated model costs on the engine's machine: memory to chat and to train an expert, and the time to train one on 1 MB of text. */
export const CuratedEstimateView = z.object({
  /** From the shape alone: float32 weights, a 2,048-token KV cache and the runtime. */
  chatMemoryBytes: z.number().int(),
  /** The training peaks from the shape (train/estimate.ts), full and light (rank 16 on every projection). */
  fullTrainMemoryBytes: z.number().int(),
  lightTrainMemoryBytes: z.number().int(),
  /** The kind the new-expert flow would recommend here (full while it fits comfortably in the memory available now). */
  kind: z.enum(['full', 'light']),
  fits: z.enum(['comfortable', 'tight', 'no']),
  /** The text the time is for, the tokens it makes (about 4 bytes a token) and the default budget's steps (two passes over its training share). */
  textBytes: z.number().int(),
  tokens: z.number().int(),
  steps: z.number().int(),
  seconds: z.number(),
  speed: MachineSpeedView,
});

export const CuratedModelView = z.object({
  repoId: z.string(),
  family: z.enum(['llama', 'qwen2']),
  /** 'instruct' models have a chat template; 'base' models continue plain text. */
  kind: z.enum(['instruct', 'base']),
  parameters: z.number().int(),
  /** Approximate bytes the download moves. */
  downloadBytes: z.number().int(),
  licence: z.string(),
  /** Gated models need their licence accepted on the Hub and an access token. */
  gated: z.boolean(),
  estimate: CuratedEstimateView,
});

/** A light expert made from a PEFT adapter folder: what the forest now holds. */
export const ImportedAdapterView = z.object({
  modelId: z.number().int(),
  name: z.string(),
  /** The full model of the forest the adapter is added to. */
  base: z.string(),
  domain: z.string().nullable(),
  rank: z.number().int(),
  alpha: z.number(),
  targets: z.array(LoraTargetName),
  /** The adapter's size in the store. */
  bytes: z.number().int(),
  /** What the adapter's adapter_config.json calls the model it was trained on (base_model_name_or_path), as written. */
  trainedOn: z.string(),
});

/** "owner/name", as the Hub spells repository ids. */
const RepoId = z
  .string()
  .min(3)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use the Hub’s owner/name, e.g. HuggingFaceTB/SmolLM2-135M');

/** The hub's calls, merged into apiSchemas (jobs use the shared JobView). */
export function hubSchemas<J extends z.ZodType>(JobView: J) {
  return {
    curatedModels: { input: z.object({}).strict(), output: z.array(CuratedModelView) },
    /** Downloads a model into the forest home's hub cache (resumable, hash-checked); `asSeed` then plants it as the seed. */
    downloadModel: {
      input: z
        .object({
          repo: RepoId,
          /** Branch, tag or commit; main by default. */
          revision: z.string().min(1).max(200).optional(),
          /** Access token for gated models; kept only until the job ends. */
          token: z.string().min(1).max(1000).optional(),
          asSeed: z.boolean().default(false),
        })
        .strict(),
      output: JobView,
    },
    /** A Hugging Face model folder (config.json, safetensors, tokenizer.json) on the engine's machine becomes the seed of a new forest. */
    importSeed: {
      input: z.object({ folder: z.string().min(1).max(4096), name: SafeName.optional() }).strict(),
      output: JobView,
    },
    /**
     * A PEFT LoRA adapter folder (adapter_config.json, adapter_model.safetensors) on the engine's machine becomes
     * a light expert over `base` (a full model of the forest; the seed by default), for `domain` if given. The
     * adapter is checked against the base first, and refused with the reason when it does not fit.
     */
    importAdapter: {
      input: z
        .object({
          folder: z.string().min(1).max(4096),
          name: SafeName,
          base: z.string().min(1).max(200).optional(),
          domain: SafeName.optional(),
        })
        .strict(),
      output: ImportedAdapterView,
    },
  } as const;
}

export type CuratedModelView = z.output<typeof CuratedModelView>;
export type ImportedAdapterView = z.output<typeof ImportedAdapterView>;
export type CuratedEstimateView = z.output<typeof CuratedEstimateView>;
export type MachineSpeedView = z.output<typeof MachineSpeedView>;
