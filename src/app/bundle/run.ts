// `grove bundle run <dir>`: trains an expert bundle anywhere Grove is installed, with no catalog or forest.
// Every input's hash is checked first; then the one training loop of a local run (train/train-job.ts) runs with
// its run folder inside the bundle, so checkpoints land there and a second start after a kill (or a requeued
// Slurm job, a restarted Kubernetes pod) resumes from the last one. Progress goes to progress.json as it runs;
// the trained weights' hashes and the run's metrics go to result.json, and done.json is written last.
import { join } from 'node:path';
import type { TrainProgress } from '../../shared/api/events';
import { writeFileDurable } from '../../engine/durable-write';
import { sha256File } from '../../engine/file-hash';
import { chooseProvider, type ProviderPreference } from '../../engine/runtime/providers';
import { trainJobSettings } from '../store/training-settings';
import { readMetrics } from '../../engine/train/loop';
import { runTrainJob } from '../../engine/train/train-job';
import { GROVE_VERSION } from '../../engine/version';
import { hashFolder, verifyFileTable } from './file-table';
import { BUNDLE_PATHS, readBundleManifest, type BundleManifest } from './manifest';
import { ProgressFile } from './progress-file';
import { bundleIsDone, verifyFinishedBundle, type BundleResult } from './result';

export interface RunBundleOptions {
  /** Overrides the bundle's device choice (a machine other than the one that wrote it). */
  device?: BundleManifest['training']['device'];
  /** Overrides the bundle's thread count (0: ONNX Runtime's default). */
  threads?: number;
  /** Abort to stop at a checkpoint (SIGTERM, Ctrl-C); a later run resumes there. */
  signal?: AbortSignal;
  log?: (line: string) => void;
  onProgress?: (p: TrainProgress) => void;
}

export type RunBundleOutcome =
  { state: 'done'; result: BundleResult; alreadyDone: boolean } | { state: 'stopped'; step: number; totalSteps: number };

/** Trains the bundle in `dir` (or finds it trained already); resolves when it is done or stopped. */
export async function runBundle(dir: string, o: RunBundleOptions = {}): Promise<RunBundleOutcome> {
  const log = o.log ?? (() => undefined);
  const manifest = readBundleManifest(dir);
  if (bundleIsDone(dir)) return { state: 'done', result: (await verifyFinishedBundle(dir)).result, alreadyDone: true };
  const progress = new ProgressFile(dir);
  await progress.set({ state: 'verifying' });
  try {
    await verifyFileTable(dir, manifest.files, 'bundle');
    if (manifest.grove.version !== GROVE_VERSION)
      log(`this bundle was written by Grove ${manifest.grove.version}; Grove ${GROVE_VERSION} runs it`);
    const { settings, budget } = manifest.training;
    const choice = await chooseProvider((o.device ?? manifest.training.device) as ProviderPreference);
    if (choice.fallback) log(choice.fallback);
    const runDir = join(dir, BUNDLE_PATHS.run);
    const light = manifest.light;
    const trained = await runTrainJob(
      {
        runDir,
        domainDir: join(dir, BUNDLE_PATHS.domain),
        modelFolder: join(dir, light ? light.folder : manifest.start.folder),
        ...(light
          ? {
              lora: {
                rank: light.rank,
                alpha: light.alpha,
                targets: light.targets,
                adapterFolder: join(dir, manifest.start.folder),
                baseModel: light.baseSha256,
              },
            }
          : {}),
        ...budget,
        ...trainJobSettings(o.threads === undefined ? settings : { ...settings, threads: o.threads }),
        ...(choice.provider === 'cpu' ? {} : { providers: [choice.provider, 'cpu'] }),
      },
      o.signal ?? new AbortController().signal,
      (p) => {
        progress.step(p).catch((err: unknown) => log(`could not write ${BUNDLE_PATHS.progress}: ${(err as Error).message}`));
        o.onProgress?.(p);
      },
      log,
      ({ totalSteps }) =>
        void progress
          .set({ state: 'training', totalSteps })
          .catch((err: unknown) => log(`could not write ${BUNDLE_PATHS.progress}: ${(err as Error).message}`)),
    );
    if (!trained.modelFolder) {
      await progress.set({ state: 'stopped', etaSeconds: null, tokensPerSecond: null });
      return { state: 'stopped', step: trained.steps, totalSteps: trained.totalSteps };
    }
    await progress.set({ state: 'saving', step: trained.steps, etaSeconds: 0 });
    const metrics = readMetrics(runDir);
    const last = (split: 'train' | 'valid') => metrics.filter((m) => m.split === split).at(-1)?.loss ?? null;
    const folder = `${BUNDLE_PATHS.run}/${light ? 'adapter' : 'model'}`;
    const result: BundleResult = {
      folder,
      files: await hashFolder(dir, folder),
      metrics: {
        steps: trained.steps,
        totalSteps: trained.totalSteps,
        tokens: trained.tokens,
        reason: trained.reason,
        finalTrainLoss: last('train'),
        finalValidLoss: last('valid'),
        elapsedSeconds: trained.elapsedSeconds,
        peakMemoryBytes: Math.max(progress.progress.peakMemoryBytes, trained.peakMemoryBytes),
        device: choice.provider,
        starts: progress.progress.starts,
      },
      finishedAt: new Date().toISOString(),
    };
    await writeFileDurable(join(dir, BUNDLE_PATHS.result), `${JSON.stringify(result, null, 2)}\n`);
    await progress.set({ state: 'done', etaSeconds: 0 });
    // The done marker last: a bundle with it has its result whole and hashed.
    const done = {
      manifestSha256: await sha256File(join(dir, BUNDLE_PATHS.manifest)),
      resultSha256: await sha256File(join(dir, BUNDLE_PATHS.result)),
    };
    await writeFileDurable(join(dir, BUNDLE_PATHS.done), `${JSON.stringify(done, null, 2)}\n`);
    return { state: 'done', result, alreadyDone: false };
  } catch (err) {
    await progress.set({ state: 'failed', error: (err as Error).message }).catch(() => undefined);
    throw err;
  }
}
