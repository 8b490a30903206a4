// `grove baseline` on a tiny forest made with the CLI (a seed, two experts): it trains the dense baseline with the
// experts' tokens as a job, scores it beside the forest on every domain and prints the verdict, a line per domain;
// `--last` prints it again without training; the baseline is listed as such and is no expert.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeDomainFolder, writeSeedAndPoems } from '../../helpers/forest-service';
import { assertBuilt, groveBin } from '../../helpers/grove-process';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
const home = join(dir, 'home');
const args = (...a: string[]) => [groveBin, '--home', home, ...a];
const grove = (...a: string[]) => execFileSync(process.execPath, args(...a), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

beforeAll(async () => {
  assertBuilt();
  await writeSeedAndPoems(dir);
  grove('init', '--from', join(dir, 'tiny-seed'));
});

describe('grove baseline', () => {
  it('says there is nothing to compare before the forest has an expert', () => {
    const r = spawnSync(process.execPath, args('baseline'), { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/no trained experts yet, so there is nothing to compare with one model: train an expert first/);
    expect(grove('baseline', '--last')).toMatch(/^No verdict yet/);
  });

  it('trains the compute-matched baseline, scores it beside the forest, and prints the verdict per domain', () => {
    grove('add', join(dir, 'poems'), '--domain', 'poems', '--init', 'seed', '--steps', '3', '--threads', '1');
    const law = writeDomainFolder(
      dir,
      'law',
      (i) => `Clause ${i}: the tenant shall pay the landlord the rent on the first day of the month.`,
    );
    grove('add', law, '--domain', 'law', '--init', 'seed', '--steps', '2', '--threads', '1');

    const out = grove('baseline', '--threads', '1');
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(
      /^Verdict of .+: "baseline" \(one model, [\d,]+ training tokens as the experts had\) against the ensemble of poems, law \(cached prior, context posterior\)\.$/,
    );
    expect(lines[1]).toBe('domain\tbaseline\tforest\tcollapsed\tverdict');
    expect(lines.slice(2, 4).map((l) => l.split('\t')[0])).toEqual(['poems', 'law']);
    for (const l of lines.slice(2, 4)) expect(l).toMatch(/^(\w+)\t[\d.]+\t[\d.]+\t-\tforest (\d+ % (better|worse)|even) on \1$/);
    expect(lines[4]).toMatch(
      /^forest (\d+ % (better|worse)|even) on poems, (\d+ % (better|worse)|even) on law \(test perplexity; lower is better\)\.$/,
    );

    expect(grove('baseline', '--last')).toBe(out);
    expect(grove('list')).toMatch(/\d+\tbaseline\tbaseline\n/);
    expect(grove('jobs')).toMatch(
      /done\tTrain “baseline”, one model on the mix of 2 domains[^\n]*\n\d+\tdone\tCompare “baseline” with the forest on 2 domain\(s\)/,
    );
  }, 300_000);
});
