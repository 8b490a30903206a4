// The 'download' and 'import-seed' job kinds, as a worker runs them: fetch a model from the Hub into the
// forest home's cache, and/or store a model folder as the seed's weights with its tokenizer staged. The
// worker never opens the catalog: the seed it prepared comes back in the result and the owner records it.
import { z } from 'zod';
import { GroveError } from '../../shared/api/errors';
import { prepareSeed, type PreparedSeed } from './init';
import { hubCacheDir } from '../../engine/hub/cache';
import { downloadModel } from '../../engine/hub/download';
import type { DownloadProgress } from '../../engine/hub/progress';

export const DownloadJobPayload = z
  .object({
    repoId: z.string().min(1),
    revision: z.string().min(1).optional(),
    /** Removed from the stored payload when the job ends (hub-calls.ts). */
    token: z.string().min(1).optional(),
    asSeed: z.boolean(),
  })
  .strict();
export type DownloadJobPayload = z.output<typeof DownloadJobPayload>;

export const ImportSeedJobPayload = z.object({ folder: z.string().min(1), name: z.string().min(1).optional() }).strict();
export type ImportSeedJobPayload = z.output<typeof ImportSeedJobPayload>;

/** What a hub job reports as it goes: the download's bytes, then (for a seed) the import phase. */
export type HubJobProgress = { phase: 'download'; download: DownloadProgress } | { phase: 'import'; folder: string };

export interface HubJobResult {
  /** The downloaded snapshot, or the imported folder. */
  folder: string;
  commit?: string;
  /** Present when the model is to become the forest's seed: its files are in place, the owner records it. */
  seed?: PreparedSeed;
}

function parse<T>(schema: z.ZodType<T>, payload: unknown, kind: string): T {
  const r = schema.safeParse(payload);
  if (!r.success)
    throw new GroveError(
      'bad_input',
      `Bad ${kind} job payload: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return r.data;
}

/** An abort (cancel or pause) returns normally, as the worker protocol asks; anything else is the job's failure. */
async function unlessAborted<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T | null> {
  try {
    return await work();
  } catch (err) {
    if (signal.aborted) return null;
    throw err;
  }
}

export async function runDownloadJob(
  payload: unknown,
  forestHome: string,
  signal: AbortSignal,
  progress: (p: HubJobProgress) => void,
): Promise<HubJobResult | null> {
  const p = parse(DownloadJobPayload, payload, 'download');
  return unlessAborted(signal, async () => {
    const r = await downloadModel(p.repoId, {
      cacheDir: hubCacheDir(forestHome),
      ...(p.revision ? { revision: p.revision } : {}),
      ...(p.token ? { token: p.token } : {}),
      signal,
      onProgress: (download) => progress({ phase: 'download', download }),
    });
    if (!p.asSeed) return { folder: r.folder, commit: r.commit };
    progress({ phase: 'import', folder: r.folder });
    // The seed is named after the repository ("SmolLM2-135M"), not the snapshot's commit folder.
    const seed = await prepareSeed(forestHome, r.folder, p.repoId.split('/').at(-1));
    return { folder: r.folder, commit: r.commit, seed };
  });
}

export async function runImportSeedJob(
  payload: unknown,
  forestHome: string,
  signal: AbortSignal,
  progress: (p: HubJobProgress) => void,
): Promise<HubJobResult | null> {
  const p = parse(ImportSeedJobPayload, payload, 'import-seed');
  return unlessAborted(signal, async () => {
    progress({ phase: 'import', folder: p.folder });
    return { folder: p.folder, seed: await prepareSeed(forestHome, p.folder, p.name) };
  });
}
