// `grove add` on a folder with nothing to train on: a clear error, no domain, no folder, no expert job.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/engine/catalog/catalog';
import { catalogPath } from '../../../src/engine/home';
import { plantTinyForest } from '../../helpers/forest-service';
import { assertBuilt, groveBin } from '../../helpers/grove-process';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
let home = '';

beforeAll(async () => {
  assertBuilt();
  home = await plantTinyForest(dir);
});

describe('grove add', () => {
  it('stops with the reasons when the folder has nothing to train on, and registers nothing', () => {
    const junk = join(dir, 'junk');
    mkdirSync(junk);
    writeFileSync(join(junk, 'empty.txt'), '');
    writeFileSync(join(junk, 'data.bin'), Buffer.from([0, 1, 0, 2, 0, 3]));
    const r = spawnSync(process.execPath, [groveBin, '--home', home, 'add', junk, '--domain', 'junk'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Nothing to train on in .*junk: 2 files skipped \(1 binary, 1 empty\)/);
    expect(existsSync(join(home, 'domains', 'junk'))).toBe(false);
    const catalog = Catalog.open(catalogPath(home));
    try {
      expect(catalog.domains(catalog.forest()!.id)).toEqual([]);
      expect(catalog.db.prepare("SELECT COUNT(*) AS n FROM jobs WHERE kind != 'ingest'").get()).toEqual({ n: 0 });
    } finally {
      catalog.close();
    }
  });
});
