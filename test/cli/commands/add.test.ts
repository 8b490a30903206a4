// `grove add` in one commit per step: an add killed right after its ingest was recorded has its expert
// queued already; a second `grove add` names the job to resume, and resuming it finishes the expert. And on a
// folder with nothing to train on: a clear error, no domain, no folder, no expert job.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/app/catalog/catalog';
import { jobRows } from '../../../src/app/catalog/jobs';
import { catalogPath } from '../../../src/app/home';
import { plantTinyForest, writeSeedAndPoems } from '../../helpers/forest-service';
import { assertBuilt, groveBin } from '../../helpers/grove-process';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
const home = join(dir, 'home');
const args = (...a: string[]) => [groveBin, '--home', home, ...a];
const grove = (...a: string[]) => execFileSync(process.execPath, args(...a), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const docs = join(dir, 'poems');

beforeAll(async () => {
  assertBuilt();
  await writeSeedAndPoems(dir);
  grove('init', '--from', join(dir, 'tiny-seed'));
});

describe('grove add, killed between its steps', () => {
  it('keeps the expert job queued with the ingest, and says how to continue it', () => {
    const killed = spawnSync(
      process.execPath,
      args('add', docs, '--domain', 'poems', '--init', 'seed', '--steps', '10', '--threads', '1'),
      { encoding: 'utf8', env: { ...process.env, GROVE_TEST_KILL_AFTER: 'result:ingest' } },
    );
    expect(killed.signal).toBe('SIGKILL');
    expect(grove('jobs')).toMatch(/^2\tqueued\tTrain expert “poems”/m);

    const again = spawnSync(process.execPath, args('add', docs, '--domain', 'poems', '--init', 'seed', '--steps', '10'), {
      encoding: 'utf8',
    });
    expect(again.status).not.toBe(0);
    expect(again.stderr).toMatch(/Expert "poems" is being trained already \(job 2\): `grove jobs resume 2` continues it/);

    grove('jobs', 'resume', '2');
    expect(grove('jobs')).toMatch(/^1\tdone\tIngest “poems”[^\n]*\n2\tdone\tTrain expert “poems”/);
    expect(grove('list')).toMatch(/\texpert\tpoems\tpoems/);
  }, 120_000);

  it('refuses an expert name that is taken before it ingests anything', () => {
    const r = spawnSync(process.execPath, args('add', docs, '--domain', 'verses', '--name', 'poems', '--steps', '10'), {
      encoding: 'utf8',
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/already has a model named "poems"/);
    expect(grove('jobs')).not.toMatch(/verses/);
  });
});

describe('grove add --light', () => {
  it('refuses the SVD start while no light expert can be a parent (the full expert cannot), and from the seed', () => {
    const none = spawnSync(process.execPath, args('add', docs, '--domain', 'verses', '--light', '--light-start', 'svd', '--steps', '3'), {
      encoding: 'utf8',
    });
    expect(none.status).not.toBe(0);
    expect(none.stderr).toMatch(
      /this forest has no light experts over tiny-seed yet \(its 1 full expert is no light expert's parent: a full expert's change to the seed is not low-rank\): leave out the SVD start/,
    );
    expect(grove('jobs')).not.toMatch(/verses/);
  });

  it('adds a light expert over the seed, and grove show prints its kind, rank and base (and the seed its sizes at each --quant)', () => {
    grove(
      'add',
      docs,
      '--domain',
      'verses',
      '--light',
      '--rank',
      '4',
      '--targets',
      'q_proj,v_proj',
      '--init',
      'seed',
      '--steps',
      '3',
      '--threads',
      '1',
    );
    const shown = grove('show', 'verses');
    expect(shown).toMatch(/kind light: LoRA rank 4, alpha 8, on q_proj, v_proj; base tiny-seed \([0-9a-f]{64}\)/);
    expect(shown).toMatch(/adapter [0-9a-f]{64}, [0-9.]+ KiB, 512 trainable parameters \([0-9.]+ % of the base\)/);
    expect(shown).not.toMatch(/to chat with/);
    const seed = grove('show', 'tiny-seed');
    expect(seed).toMatch(/kind full/);
    // A full model's weights at each --quant choice (quant/sizes.ts).
    expect(seed).toMatch(/to chat with \(--quant\): f32 [0-9.]+ (KiB|MiB), 8-bit [0-9.]+ (KiB|MiB), 4-bit [0-9.]+ (KiB|MiB)/);
  }, 120_000);

  it('branches a light expert with the SVD start from the light expert, and grove show prints the start and its error', () => {
    const fromSeed = spawnSync(
      process.execPath,
      args('branch', '--domain', 'verses', '--name', 'odes', '--init', 'seed', '--light', '--light-start', 'svd'),
      { encoding: 'utf8' },
    );
    expect(fromSeed.stderr).toMatch(/a branch from the seed alone \(--init seed\) has none: leave out the SVD start/);
    grove('branch', '--domain', 'verses', '--name', 'verses-svd', '--light', '--rank', '2', '--light-start', 'svd');
    const shown = grove('show', 'verses-svd');
    expect(shown).toMatch(/kind light: LoRA rank 2, alpha 4, on q_proj, v_proj;/);
    expect(shown).toMatch(/branch start svd: the best rank-2 approximation of the parents' average, relative Frobenius error [01]\.\d{4}/);
    expect(shown).toMatch(/initialised from 1\.0000 × verses/);
  }, 120_000);

  it('refuses light settings without --light, and an unknown projection', () => {
    const stray = spawnSync(process.execPath, args('add', docs, '--domain', 'odes', '--rank', '8'), { encoding: 'utf8' });
    expect(stray.status).not.toBe(0);
    expect(stray.stderr).toMatch(/--rank sets up a light expert; add --light/);
    const unknown = spawnSync(process.execPath, args('add', docs, '--domain', 'odes', '--light', '--targets', 'q_proj,lm_head'), {
      encoding: 'utf8',
    });
    expect(unknown.stderr).toMatch(/unknown projection lm_head; choose from q_proj, k_proj/);
    expect(grove('jobs')).not.toMatch(/odes/);
  });
});

describe('grove add on a folder with nothing to train on', () => {
  const junkDir = tempDir();
  let junkHome = '';
  beforeAll(async () => {
    junkHome = await plantTinyForest(junkDir);
  });

  it('stops with the reasons and registers nothing', () => {
    const junk = join(junkDir, 'junk');
    mkdirSync(junk);
    writeFileSync(join(junk, 'empty.txt'), '');
    writeFileSync(join(junk, 'data.bin'), Buffer.from([0, 1, 0, 2, 0, 3]));
    const r = spawnSync(process.execPath, [groveBin, '--home', junkHome, 'add', junk, '--domain', 'junk'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Nothing to train on in .*junk: 2 files skipped \(1 binary, 1 empty\)/);
    expect(existsSync(join(junkHome, 'domains', 'junk'))).toBe(false);
    const catalog = Catalog.open(catalogPath(junkHome));
    try {
      expect(catalog.domains(catalog.forest()!.id)).toEqual([]);
      expect(jobRows(catalog).filter((j) => j.kind !== 'ingest')).toEqual([]);
    } finally {
      catalog.close();
    }
  });
});

describe('grove add --domain with no folder', () => {
  it('grows one more expert on a domain ingested before, without ingesting it again', () => {
    const out = grove('add', '--domain', 'poems', '--name', 'poems-2', '--init', 'seed', '--steps', '4', '--threads', '1', '--on', 'local');
    expect(out).toMatch(/poems-2/);
    expect(grove('list')).toMatch(/\texpert\tpoems-2\tpoems$/m);
    expect(grove('jobs').match(/Ingest “poems”/g)).toHaveLength(1);
  }, 60_000);

  it('names a domain that was never ingested, and asks for a folder or a domain when given neither', () => {
    const unknown = spawnSync(process.execPath, args('add', '--domain', 'sonnets', '--on', 'local'), { encoding: 'utf8' });
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toMatch(/No domain "sonnets" in this forest: add its folder with `grove add <folder> --domain sonnets`/);
    const neither = spawnSync(process.execPath, args('add'), { encoding: 'utf8' });
    expect(neither.status).not.toBe(0);
    expect(neither.stderr).toMatch(/Give a folder to add as a domain/);
    expect(grove('jobs')).not.toMatch(/sonnets/);
  });
});
