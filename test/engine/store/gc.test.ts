// gc and half-written files: what a dead process left (checkpoint temps in a run, temporary exports) goes;
// what a live process is writing (a run whose lock is held, an export of a live pid) stays.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/engine/catalog/catalog';
import { catalogPath, runsDir } from '../../../src/engine/home';
import { JobQueue } from '../../../src/engine/jobs/queue';
import { collectGarbage } from '../../../src/engine/store/gc';
import { acquireRunLock } from '../../../src/engine/train/run-lock';
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
});
