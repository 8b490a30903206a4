// Writes an expert bundle (manifest.ts) from a forest, in the expert job's worker, right where a local run
// would start training: the branch is made (its weights stored, its lineage recorded), and instead of the
// training, its inputs are copied into one folder: the starting weights, a light expert's base, the domain's
// shards, the tokenizer, the run's settings and budget. bundle.json is written last: a folder without it is a
// bundle half-written, never one to run.
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import { copyFileDurable, writeFileDurable } from '../../engine/durable-write';
import { forestTokenizerDir, forestTokenizerSha256 } from '../store/init';
import { storedModelFolder } from '../store/model-store';
import type { TrainingSettings } from '../store/training-settings';
import { GROVE_VERSION } from '../../engine/version';
import { hashFolder } from './file-table';
import { BUNDLE_FORMAT, BUNDLE_PATHS, BUNDLE_VERSION, readBundleManifest, type BundleManifest, type FileTable } from './manifest';

export interface BundleSpec {
  out: string;
  expert: BundleManifest['expert'];
  domainDir: string;
  startSha256: string;
  light: { baseSha256: string; rank: number; alpha: number; targets: NonNullable<BundleManifest['light']>['targets'] } | null;
  settings: TrainingSettings;
  budget: BundleManifest['training']['budget'];
  device: BundleManifest['training']['device'];
}

/** Copies every file under `from` to `to` (made as needed), each durably; skips half-written temporaries. */
async function copyTree(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    if (/\.tmp-\d+/.test(entry.name)) continue;
    if (entry.isDirectory()) await copyTree(join(from, entry.name), join(to, entry.name));
    else if (entry.isFile()) await copyFileDurable(join(from, entry.name), join(to, entry.name));
  }
}

/**
 * The bundle for `spec`, written into `spec.out` (a new or empty folder). A job killed after the manifest was
 * written finds its own bundle there when it resumes and keeps it; another bundle there is refused.
 */
export async function writeExpertBundle(home: string, spec: BundleSpec): Promise<BundleManifest> {
  const out = spec.out;
  if (existsSync(join(out, BUNDLE_PATHS.manifest))) {
    const there = readBundleManifest(out);
    if (
      there.expert.modelId === spec.expert.modelId &&
      there.expert.runId === spec.expert.runId &&
      there.expert.forestId === spec.expert.forestId
    )
      return there;
    throw new GroveError(
      'conflict',
      `${out} holds a bundle already (expert "${there.expert.name}"); choose another folder (or remove it).`,
      { out },
    );
  }
  await mkdir(out, { recursive: true });
  await copyTree(storedModelFolder(home, spec.startSha256), join(out, BUNDLE_PATHS.start));
  if (spec.light) await copyTree(storedModelFolder(home, spec.light.baseSha256), join(out, BUNDLE_PATHS.base));
  await copyTree(spec.domainDir, join(out, BUNDLE_PATHS.domain));
  await copyTree(forestTokenizerDir(home), join(out, BUNDLE_PATHS.tokenizer));
  const files: FileTable = {};
  for (const folder of [BUNDLE_PATHS.start, ...(spec.light ? [BUNDLE_PATHS.base] : []), BUNDLE_PATHS.domain, BUNDLE_PATHS.tokenizer])
    Object.assign(files, await hashFolder(out, folder));
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    createdAt: new Date().toISOString(),
    grove: { version: GROVE_VERSION },
    expert: spec.expert,
    start: { sha256: spec.startSha256, folder: BUNDLE_PATHS.start },
    light: spec.light ? { ...spec.light, folder: BUNDLE_PATHS.base } : null,
    tokenizerSha256: await forestTokenizerSha256(home),
    training: { settings: spec.settings, budget: spec.budget, device: spec.device },
    files,
  };
  await writeFileDurable(join(out, BUNDLE_PATHS.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
