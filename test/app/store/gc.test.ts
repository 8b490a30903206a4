// gc and half-written files: what a dead process left (checkpoint temps in a run, temporary exports) goes;
// what a live process is writing (a run whose lock is held, an export of a live pid) stays. Quantized weights
// files go with a removed model; a live model keeps its current ones and loses the stale ones.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/app/catalog/catalog';
import { catalogPath, runsDir } from '../../../src/app/home';
import { JobQueue } from '../../../src/app/jobs/queue';
import { findModel } from '../../../src/app/catalog/models';
import { LlamaModel } from '../../../src/engine/runtime/llama-model';
import { collectGarbage } from '../../../src/app/store/gc';
import { storedModelFolder } from '../../../src/app/store/model-store';
import { removeModel } from '../../../src/app/store/remove';
import { acquireRunLock } from '../../../src/engine/train/run-lock';
import { writeTinyForest } from '../../helpers/chat-forest';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();

describe('gc of half-written files', () => {
  it('removes checkpoint temps of runs no process holds, and temporary exports of dead processes', async () => {
    const home = join(dir, 'home');
    const catalog = Catalog.open(catalogPath(home));
    const queue = new JobQueue(catalog);
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const idle = join(runsDir(home), '1');
    const busy = join(runsDir(home), '2');
    for (const run of [idle, busy]) {
      mkdirSync(join(run, 'checkpoints', 'step-000000050.tmp-1234'), { recursive: true });
      writeFileSync(join(run, 'checkpoints', 'step-000000050.tmp-1234', 'state.safetensors'), 'partial');
      mkdirSync(join(run, 'checkpoints', 'step-000000040'));
    }
    // An export elsewhere, named by a job: its folder is swept too.
    const elsewhere = join(dir, 'out');
    mkdirSync(elsewhere);
    queue.enqueue('export', { out: join(elsewhere, 'model.gguf') });
    mkdirSync(join(home, 'exports'));
    writeFileSync(join(home, 'exports', `.m.gguf.grove-export-${dead}-0a1b2c3d`), 'half');
    writeFileSync(join(home, 'exports', `.m.gguf.grove-export-${process.pid}-0a1b2c3d`), 'being written');
    mkdirSync(join(elsewhere, `.hf.grove-export-${dead}-00ff00ff`));
    writeFileSync(join(elsewhere, `.hf.grove-export-${dead}-00ff00ff`, 'model.safetensors'), 'half');

    const lock = await acquireRunLock(busy, { waitMs: 0 });
    try {
      const freed = await collectGarbage(catalog, home, queue);
      expect(freed.files).toBe(3);
    } finally {
      lock.release();
    }
    expect(existsSync(join(idle, 'checkpoints', 'step-000000050.tmp-1234'))).toBe(false);
    expect(existsSync(join(idle, 'checkpoints', 'step-000000040'))).toBe(true);
    expect(existsSync(join(busy, 'checkpoints', 'step-000000050.tmp-1234'))).toBe(true);
    expect(existsSync(join(home, 'exports', `.m.gguf.grove-export-${dead}-0a1b2c3d`))).toBe(false);
    expect(existsSync(join(home, 'exports', `.m.gguf.grove-export-${process.pid}-0a1b2c3d`))).toBe(true);
    expect(existsSync(join(elsewhere, `.hf.grove-export-${dead}-00ff00ff`))).toBe(false);
    catalog.close();
  });

  it("keeps the current quantized weights of live models, removes stale ones and dead writers' temporaries, and a removed model's with it", async () => {
    const forest = await writeTinyForest(join(dir, 'quant'), ['law', 'med']);
    const catalog = Catalog.open(catalogPath(forest.home));
    const folderOf = (name: string): string => storedModelFolder(forest.home, findModel(catalog, name)!.weightsSha256!);
    const quantFiles = (folder: string): string[] =>
      readdirSync(folder)
        .filter((f) => f.startsWith('grove-quant-'))
        .sort();
    const [law, med] = [folderOf('law'), folderOf('med')];
    // Real quantized opens make the current files: 8- and 4-bit for law, 8-bit for med.
    for (const [folder, quant] of [
      [law, '8'],
      [law, '4'],
      [med, '8'],
    ] as const)
      await (await LlamaModel.open(folder, { quant, threads: 1 })).close();
    const current = quantFiles(law);
    expect(current).toHaveLength(2);
    expect(quantFiles(med)).toHaveLength(1);
    // Left by an older Grove (another key), and by writers: one dead, one this process (alive).
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const stale = 'grove-quant-q8_0-0123456789abcdef.bin';
    const deadTemp = `grove-quant-q4_0-fedcba9876543210.bin.tmp-${dead}-0a1b2c3d`;
    const liveTemp = `grove-quant-q4_0-fedcba9876543210.bin.tmp-${process.pid}-0a1b2c3d`;
    for (const name of [stale, deadTemp, liveTemp]) writeFileSync(join(law, name), 'old or partial');
    removeModel(catalog, 'med');

    const freed = await collectGarbage(catalog, forest.home, new JobQueue(catalog));
    expect(existsSync(med)).toBe(false);
    expect(quantFiles(law)).toEqual([...current, liveTemp].sort());
    // The removed model's folder (config, weights, manifest..., its quantized file) and the two stale files.
    expect(freed.files).toBeGreaterThanOrEqual(3 + 2);
    catalog.close();
  });
});
