// A forest from scratch, in a worker (btm.md "Seed"): a byte-level BPE tokenizer trained on the initial
// domains' training text, the domains ingested with it, and a seed LM trained on their mix (the seed phase),
// then stored. Each outcome goes to the owner as a record for the catalog; a resumed job reuses what is done
// (the tokenizer file, ingest's incremental state, the run's checkpoints).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { TrainProgress } from '../../shared/api/events';
import { ByteTokenizer } from '../../engine/corpus/byte-tokenizer';
import { ingestFolder } from '../../engine/corpus/ingest';
import { NothingToTrainOn } from '../../engine/corpus/report';
import { readManifest, splitShards } from '../../engine/corpus/manifest';
import { corpusTokenizer, type IngestProgress, type IngestReport } from '../../engine/corpus/types';
import type { JobContext } from '../jobs/protocol';
import { ModelConfigSchema } from '../../engine/model/config';
import { runTrainJob } from '../../engine/train/train-job';
import { loadTokenizer } from '../../engine/tokenize/load';
import { saveTokenizerFiles } from '../../engine/tokenize/trained-json';
import { trainByteLevelBpe } from '../../engine/tokenize/train-bpe';
import { domainDir } from './domains';
import { forestTokenizerDir } from './init';
import { storeModelFolder } from './model-store';
import { TrainingSettings, trainJobSettings } from './training-settings';
import { checkName } from '../../shared/api/names';

export const SeedJobPayload = z
  .object({
    modelId: z.number().int(),
    runId: z.number().int(),
    runDir: z.string(),
    domains: z.array(z.object({ name: z.string(), folder: z.string() }).strict()).min(1),
    /** The seed's architecture; its vocabSize is the tokenizer's size. */
    config: z.unknown(),
    settings: TrainingSettings,
    /**
     * The settings kept as the forest's once the seed is stored, for its experts, where they differ from the seed's
     * (the standard sample's experts train at the learning rate the seed's schedule ended on); the seed's by default.
     */
    expertSettings: TrainingSettings.optional(),
    budget: z.union([z.object({ steps: z.number().int().positive() }).strict(), z.object({ minutes: z.number().positive() }).strict()]),
    /** For the queue's owner, not the worker: what to queue once the seed is stored (one expert per domain). */
    then: z
      .object({ experts: z.object({ budget: z.unknown().optional() }).strict() })
      .strict()
      .optional(),
  })
  .strict();
export type SeedJobPayload = z.input<typeof SeedJobPayload>;

export type SeedRecord =
  | { kind: 'tokenizer'; sha256: string; vocabSize: number }
  | { kind: 'ingested'; domain: string; report: IngestReport }
  | { kind: 'plan'; totalSteps: number }
  | { kind: 'seeded'; sha256: string; bytes: number; steps: number; tokens: number };

export interface SeedProgress {
  phase: 'tokenizer' | 'ingest' | 'train' | 'store';
  domain?: string;
  ingest?: IngestProgress;
  train?: TrainProgress;
}

/** The training text of each domain, document by document: ingested byte-level first (clean, deduplicated, split). */
async function* trainingDocuments(home: string, p: z.output<typeof SeedJobPayload>, ctx: JobContext): AsyncGenerator<string> {
  const bytes = new ByteTokenizer();
  for (const d of p.domains) {
    const out = join(home, '.seed-text', checkName('domain', d.name));
    // A folder with nothing to train on gives the tokenizer no text; runSeedJob says so once, when it leaves the domain out.
    const read = await ingestFolder({
      folder: d.folder,
      out,
      tokenizer: bytes,
      signal: ctx.signal,
      onProgress: (ingest) => ctx.progress({ phase: 'tokenizer', domain: d.name, ingest } satisfies SeedProgress),
    }).catch(unlessNothingToTrainOn);
    if (!read) continue;
    for (const shard of splitShards(out, await readManifest(out), 'train')) {
      const raw = readFileSync(shard.path);
      const ids = new Uint16Array(raw.byteLength / 2);
      for (let i = 0; i < ids.length; i++) ids[i] = raw.readUInt16LE(2 * i);
      let start = 0;
      for (let i = 0; i <= ids.length; i++) {
        if (i === ids.length || ids[i] === bytes.eosId) {
          if (i > start) yield bytes.decode(ids.subarray(start, i));
          start = i + 1;
        }
      }
    }
  }
}

/** The forest's tokenizer: trained once on the domains' training splits (never their test text), then kept. */
async function forestTokenizer(
  home: string,
  p: z.output<typeof SeedJobPayload>,
  vocabSize: number,
  ctx: JobContext,
): Promise<{ path: string; sha256: string }> {
  const dir = forestTokenizerDir(home);
  const path = join(dir, 'tokenizer.json');
  if (!existsSync(path)) {
    const trained = await trainByteLevelBpe(trainingDocuments(home, p, ctx), { vocabSize });
    const tmp = `${dir}.tmp-${process.pid}`;
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { recursive: true });
    await saveTokenizerFiles(tmp, trained);
    await rename(tmp, dir);
    await rm(join(home, '.seed-text'), { recursive: true, force: true });
  }
  const sha256 = createHash('sha256').update(readFileSync(path)).digest('hex');
  ctx.record({ kind: 'tokenizer', sha256, vocabSize } satisfies SeedRecord);
  return { path, sha256 };
}

/** Undefined for a folder with nothing to train on (the seed phase goes on without it); any other failure stays one. */
function unlessNothingToTrainOn(err: unknown): undefined {
  if (err instanceof NothingToTrainOn) return undefined;
  throw err;
}

export async function runSeedJob(input: unknown, ctx: JobContext): Promise<{ modelId: number; sha256: string | null }> {
  const p = SeedJobPayload.parse(input);
  const home = ctx.forestHome;
  const config = ModelConfigSchema.parse(p.config);
  ctx.progress({ phase: 'tokenizer' } satisfies SeedProgress);
  const trained = await forestTokenizer(home, p, config.vocabSize, ctx);
  const tokenizer = corpusTokenizer(await loadTokenizer(trained.path));
  const dirs: string[] = [];
  for (const d of p.domains) {
    const out = domainDir(home, d.name);
    const report = await ingestFolder({
      folder: d.folder,
      out,
      tokenizer,
      signal: ctx.signal,
      onProgress: (ingest) => ctx.progress({ phase: 'ingest', domain: d.name, ingest } satisfies SeedProgress),
    }).catch(unlessNothingToTrainOn);
    if (!report) {
      // Registered as nothing: no domain row, no folder (ingestFolder removed it), as for `grove add`.
      ctx.log(`${d.name}: nothing to train on in ${d.folder}; it is left out of the seed and of the forest's domains.`);
      continue;
    }
    ctx.record({ kind: 'ingested', domain: d.name, report } satisfies SeedRecord);
    if (report.trainable) dirs.push(out);
    else ctx.log(`${d.name}: ${report.message} It is left out of the seed's training mix.`);
  }
  if (ctx.signal.aborted) return { modelId: p.modelId, sha256: null };
  if (dirs.length === 0)
    throw new Error(
      `None of the ${p.domains.length} folders holds enough text to train a seed on: add text, or import a pretrained model instead.`,
    );
  const s = p.settings;
  let last: TrainProgress | undefined;
  const result = await runTrainJob(
    {
      runDir: p.runDir,
      domainDirs: dirs,
      config,
      ...p.budget,
      ...trainJobSettings(s),
    },
    ctx.signal,
    (train) => {
      last = train;
      ctx.progress({ phase: 'train', train } satisfies SeedProgress);
    },
    ctx.log,
    ({ totalSteps }) => ctx.record({ kind: 'plan', totalSteps } satisfies SeedRecord),
  );
  if (!result.modelFolder) return { modelId: p.modelId, sha256: null };
  ctx.progress({ phase: 'store', ...(last ? { train: { ...last, etaSeconds: 0 } } : {}) } satisfies SeedProgress);
  const stored = await storeModelFolder(home, result.modelFolder, trained.sha256);
  ctx.record({
    kind: 'seeded',
    sha256: stored.sha256,
    bytes: stored.bytes,
    steps: result.steps,
    tokens: result.tokens,
  } satisfies SeedRecord);
  return { modelId: p.modelId, sha256: stored.sha256 };
}
