// The expert bundle's manifest (bundle.json, format version 1): everything one expert's training needs, in one
// folder that `grove bundle run` trains anywhere Grove is installed, no catalog needed (docs/bundle.md). Every
// file the run reads is listed with its sha256 and size, so a tampered or half-copied bundle is refused before
// any work. The catalog ids say which planned expert of which forest the result belongs to, for the merge.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { GroveError } from '../../shared/api/errors';
import { LORA_TARGETS } from '../../engine/model/lora';
import { TrainingSettings } from '../store/training-settings';

export const BUNDLE_FORMAT = 'grove-expert-bundle';
export const BUNDLE_VERSION = 1;

/** The files and folders of a bundle, relative to its root. */
export const BUNDLE_PATHS = {
  manifest: 'bundle.json',
  /** The starting weights (a full model folder, or a light expert's PEFT adapter folder). */
  start: 'start',
  /** A light expert's frozen base model folder. */
  base: 'base',
  /** The domain's ingested shards (train, valid and test splits) and their manifest. */
  domain: 'domain',
  tokenizer: 'tokenizer',
  /** The training run's folder: checkpoints, plan, metrics.jsonl, and at the end the trained model. */
  run: 'run',
  progress: 'progress.json',
  result: 'result.json',
  /** Written last, once the result and its hashes are on disk. */
  done: 'done.json',
} as const;

export const FileEntry = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().min(0) }).strict();
export type FileEntry = z.output<typeof FileEntry>;
/** Relative path (forward slashes) to its hash and size. */
export const FileTable = z.record(z.string(), FileEntry);
export type FileTable = z.output<typeof FileTable>;

export const BundleManifest = z
  .object({
    format: z.literal(BUNDLE_FORMAT),
    version: z.literal(BUNDLE_VERSION),
    createdAt: z.string(),
    /** The Grove that wrote it (package version); `grove bundle run` warns when another one runs it. */
    grove: z.object({ version: z.string() }).strict(),
    /** The planned expert in its forest: the model and run rows the merge completes. */
    expert: z
      .object({
        name: z.string(),
        domain: z.string(),
        modelId: z.number().int(),
        runId: z.number().int(),
        forestId: z.number().int(),
        /** The branch: its parents and their weights (recorded in the catalog already when the bundle was written). */
        parents: z.array(z.object({ modelId: z.number().int(), weight: z.number() }).strict()),
        note: z.string().nullable(),
      })
      .strict(),
    /** The starting weights: the branch's result, by its store address (the folder start/ holds a copy). */
    start: z.object({ sha256: z.string(), folder: z.literal(BUNDLE_PATHS.start) }).strict(),
    /** A light expert: adapters over the frozen base in base/ (store address baseSha256). */
    light: z
      .object({
        baseSha256: z.string(),
        folder: z.literal(BUNDLE_PATHS.base),
        rank: z.number().int().positive(),
        alpha: z.number().positive(),
        targets: z.array(z.enum(LORA_TARGETS)).min(1),
      })
      .strict()
      .nullable(),
    /** The forest tokenizer's sha256 (tokenizer.json), which the shards were made with. */
    tokenizerSha256: z.string().nullable(),
    training: z
      .object({
        settings: TrainingSettings,
        budget: z.union([z.object({ steps: z.number().int().positive() }).strict(), z.object({ minutes: z.number().positive() }).strict()]),
        device: z.enum(['auto', 'cpu', 'cuda', 'webgpu', 'dml', 'coreml']),
      })
      .strict(),
    /** Every input file (start/, base/, domain/, tokenizer/) with its sha256 and size. */
    files: FileTable,
  })
  .strict();
export type BundleManifest = z.output<typeof BundleManifest>;

/** Reads and checks bundle.json; a missing or malformed one is refused with what to do. */
export function readBundleManifest(dir: string): BundleManifest {
  const path = join(dir, BUNDLE_PATHS.manifest);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new GroveError(
      'bad_input',
      `${dir} is not a Grove expert bundle (no readable ${BUNDLE_PATHS.manifest}: ${(err as Error).message}). Write one with \`grove bundle write\`.`,
      { bundle: dir },
    );
  }
  const version = (raw as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version !== BUNDLE_VERSION)
    throw new GroveError(
      'unsupported',
      `The bundle ${dir} is format version ${version}; this Grove reads version ${BUNDLE_VERSION}. Run it with the Grove that wrote it.`,
      { bundle: dir },
    );
  const parsed = BundleManifest.safeParse(raw);
  if (!parsed.success)
    throw new GroveError(
      'bad_input',
      `The bundle manifest ${path} is not valid (${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}): the bundle was changed or half-written; write it again.`,
      { bundle: dir },
    );
  return parsed.data;
}
