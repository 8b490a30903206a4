// The everyday CLI path on a forest started from a model folder: init, ingest with the forest's own
// tokenizer, list, eval and generate by model name.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeSeedAndPoems } from '../../helpers/forest-service';
import { assertBuilt, groveBin } from '../../helpers/grove-process';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
const home = join(dir, 'home');
const grove = (...args: string[]) =>
  execFileSync(process.execPath, [groveBin, '--home', home, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

beforeAll(async () => {
  assertBuilt();
  await writeSeedAndPoems(dir);
});

describe('grove init, then the forest commands', () => {
  it('creates the forest, ingests with its tokenizer, lists, evaluates and generates by model name', () => {
    expect(grove('init', '--from', join(dir, 'tiny-seed'), '--name', 'garden')).toMatch(/Forest "garden" .* seed "tiny-seed"/);
    grove('ingest', join(dir, 'poems'), '--domain', 'poems');
    const list = grove('list');
    expect(list).toMatch(/forest "garden"/);
    expect(list).toMatch(/\tseed\ttiny-seed/);
    expect(list).toMatch(/poems\t25 files/);
    expect(grove('eval', '--model', 'tiny-seed', '--domain', 'poems', '--context', '32', '--threads', '1')).toMatch(
      /^tiny-seed\tpoems\ttest\t\d+\t/m,
    );
    expect(
      grove('generate', 'The willow', '--model', 'tiny-seed', '--max-tokens', '5', '--temperature', '0', '--threads', '1').trim().length,
    ).toBeGreaterThan(0);
  });
});

describe('grove init on an interrupted forest', () => {
  it('finishes a sample forest whose CLI was killed right after the seed was stored, queuing no expert twice', () => {
    const h = join(dir, 'interrupted');
    // The owner dies just after committing the seed: the experts were queued in that same commit.
    const killed = spawnSync(process.execPath, [groveBin, '--home', h, 'init', '--sample', 'tiny'], {
      encoding: 'utf8',
      env: { ...process.env, GROVE_TEST_KILL_AFTER: 'record:seeded' },
    });
    expect(killed.signal).toBe('SIGKILL');
    const again = (...args: string[]) =>
      execFileSync(process.execPath, [groveBin, '--home', h, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(again('jobs')).toMatch(/^2\tqueued\tTrain expert “reviews”/m);
    expect(again('init', '--sample', 'tiny')).toMatch(/finished: .*Train expert “romance”/);
    const experts = again('list')
      .split('\n')
      .filter((l) => /^\s+\d+\texpert\t/.test(l));
    expect(experts.map((l) => l.split('\t')[2])).toEqual(['reviews', 'government', 'romance']);
    // Nothing left to finish: a third init says the home is taken.
    expect(() => again('init', '--sample', 'tiny')).toThrow(/already holds forest/);
  }, 240_000);
});
