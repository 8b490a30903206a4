// A trained bundle's result: result.json (the trained weights' files with their sha256, and the run's
// metrics) and done.json, written last, which holds the sha256 of bundle.json and of result.json. A bundle
// is finished when done.json is there and every hash holds; that is what the merge checks before it trusts it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { GroveError } from '../../shared/api/errors';
import { sha256File } from '../../engine/file-hash';
import { verifyFileTable } from './file-table';
import { BUNDLE_PATHS, FileTable, readBundleManifest, type BundleManifest } from './manifest';

export const BundleMetrics = z
  .object({
    steps: z.number().int(),
    totalSteps: z.number().int(),
    tokens: z.number().int(),
    /** Why training stopped: done, early-stop or time-limit. */
    reason: z.string(),
    finalTrainLoss: z.number().nullable(),
    finalValidLoss: z.number().nullable(),
    /** Training seconds across every start (restarts and waits left out). */
    elapsedSeconds: z.number(),
    /** The highest peak resident memory of the processes that ran it. */
    peakMemoryBytes: z.number().int(),
    /** The execution provider it trained on (cpu, cuda, ...). */
    device: z.string(),
    starts: z.number().int(),
  })
  .strict();
export type BundleMetrics = z.output<typeof BundleMetrics>;

export const BundleResult = z
  .object({
    /** The trained model folder (a full model; a PEFT adapter folder for a light expert), relative to the bundle. */
    folder: z.string(),
    files: FileTable,
    metrics: BundleMetrics,
    finishedAt: z.string(),
  })
  .strict();
export type BundleResult = z.output<typeof BundleResult>;

export const DoneMarker = z.object({ manifestSha256: z.string(), resultSha256: z.string() }).strict();

export interface FinishedBundle {
  manifest: BundleManifest;
  result: BundleResult;
}

/** Whether the bundle has its done marker (it may still fail verification). */
export function bundleIsDone(dir: string): boolean {
  return existsSync(join(dir, BUNDLE_PATHS.done));
}

/** The finished bundle, every hash checked (manifest, result, trained files); refused with the reason otherwise. */
export async function verifyFinishedBundle(dir: string): Promise<FinishedBundle> {
  const manifest = readBundleManifest(dir);
  if (!bundleIsDone(dir))
    throw new GroveError(
      'conflict',
      `The bundle ${dir} has not finished training (no ${BUNDLE_PATHS.done}); run it with \`grove bundle run ${dir}\` (it resumes), and merge it after.`,
      { bundle: dir },
    );
  const done = DoneMarker.parse(JSON.parse(readFileSync(join(dir, BUNDLE_PATHS.done), 'utf8')));
  if ((await sha256File(join(dir, BUNDLE_PATHS.manifest))) !== done.manifestSha256)
    throw new GroveError(
      'bad_input',
      `The bundle ${dir} was changed after it was trained: ${BUNDLE_PATHS.manifest} does not match its hash in ${BUNDLE_PATHS.done}. Refused.`,
      { bundle: dir },
    );
  if ((await sha256File(join(dir, BUNDLE_PATHS.result))) !== done.resultSha256)
    throw new GroveError(
      'bad_input',
      `The bundle ${dir} was changed after it was trained: ${BUNDLE_PATHS.result} does not match its hash in ${BUNDLE_PATHS.done}. Refused.`,
      { bundle: dir },
    );
  const result = BundleResult.parse(JSON.parse(readFileSync(join(dir, BUNDLE_PATHS.result), 'utf8')));
  await verifyFileTable(dir, result.files, 'trained result');
  return { manifest, result };
}
