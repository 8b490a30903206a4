// `grove gc`: deletes what nothing in the catalog needs any more: weight folders of removed models (and
// their compiled graphs, which live beside the weights), folders of finished runs (checkpoints), and
// half-written folders left by a process that died: incoming weights, checkpoints and run files being
// written (only in runs no live process holds the lock of), and temporary exports (in the forest's exports
// folder and beside every export destination a job named). Weights a live model, a resumable run or a
// pending job points to are kept, and so is the base of every live light expert. Quantized weights files
// (grove-quant-*.bin) go with a removed model's folder; in a kept one, only the stale ones go (stale-quant-files.ts).
import { readdir, rm, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import type { Catalog } from '../catalog/catalog';
import { basesInUse, liveWeightAddresses } from '../catalog/models';
import { finishedRunDirs, pendingRunInits } from '../catalog/runs';
import type { JobQueue } from '../jobs/queue';
import { staleExportTemps } from '../../engine/export/output';
import { runsDir } from '../home';
import { processAlive } from '../../engine/process-alive';
import { runTemps } from '../../engine/train/checkpoint';
import { whileUnlocked } from '../../engine/train/run-lock';
import { modelsDir } from './model-store';
import { staleQuantFiles } from './stale-quant-files';

async function sizeOf(path: string): Promise<{ files: number; bytes: number }> {
  const s = await stat(path);
  if (!s.isDirectory()) return { files: 1, bytes: s.size };
  let files = 0;
  let bytes = 0;
  for (const entry of await readdir(path)) {
    const inner = await sizeOf(join(path, entry));
    files += inner.files;
    bytes += inner.bytes;
  }
  return { files, bytes };
}

export async function collectGarbage(catalog: Catalog, home: string, queue: JobQueue): Promise<{ files: number; bytes: number }> {
  const keep = new Set<string>([
    ...liveWeightAddresses(catalog),
    ...pendingRunInits(catalog),
    // A light expert is its adapter plus its base: the base stays while any live light expert needs it.
    ...basesInUse(catalog),
  ]);
  // A pending job may name weights in its payload (a branch's parents, an export's source).
  const pending = queue.list(['queued', 'running', 'paused', 'failed']).map((j) => JSON.stringify(j.payload));
  const doomed: string[] = [];
  const store = modelsDir(home);
  for (const entry of await readdir(store).catch(() => [] as string[])) {
    const incoming = /^\.incoming-(\d+)-/.exec(entry);
    if (incoming) {
      if (!processAlive(Number(incoming[1]))) doomed.push(join(store, entry));
    } else if (/^[0-9a-f]{64}$/.test(entry)) {
      if (!keep.has(entry) && !pending.some((p) => p.includes(entry))) doomed.push(join(store, entry));
      else doomed.push(...(await staleQuantFiles(join(store, entry))));
    }
  }
  for (const d of finishedRunDirs(catalog))
    if (
      await stat(d).then(
        () => true,
        () => false,
      )
    )
      doomed.push(d);
  const exportFolders = new Set([
    join(home, 'exports'),
    ...queue
      .list()
      .filter((j) => j.kind === 'export')
      .map((j) => dirname(String((j.payload as { out?: unknown }).out ?? ''))),
  ]);
  for (const folder of exportFolders) if (isAbsolute(folder)) doomed.push(...(await staleExportTemps(folder)));
  const removed = { files: 0, bytes: 0 };
  const remove = async (path: string): Promise<void> => {
    const size = await sizeOf(path).catch(() => ({ files: 0, bytes: 0 }));
    await rm(path, { recursive: true, force: true });
    removed.files += size.files;
    removed.bytes += size.bytes;
  };
  for (const path of doomed) await remove(path);
  // A run being trained right now holds its lock: its temporary files are its own, and stay.
  for (const entry of await readdir(runsDir(home)).catch(() => [] as string[])) {
    const runDir = join(runsDir(home), entry);
    if (
      !(await stat(runDir).then(
        (s) => s.isDirectory(),
        () => false,
      )) ||
      (await runTemps(runDir)).length === 0
    )
      continue;
    await whileUnlocked(runDir, async () => {
      for (const path of await runTemps(runDir)) await remove(path);
    });
  }
  return removed;
}
