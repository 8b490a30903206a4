// `grove bench btm --domains DIR --quick` as a user runs it: the built CLI on a folder of folders the test
// writes (code, recipes, ledgers as training domains; verse and statutes held out; one binary file that
// ingestion skips), end to end through ingestion, tokenizer, dense run, forests and evaluation, then the report
// (btm-<folder>-quick.md/.json/.svg) with every row finite and the skipped file listed. Also the refusals a
// user meets first: a held-out name that is not a sub-folder, a domain too small to split, an unknown shape.
// With --light, the light forest's rows beside the full ones.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { forestRowIds, LIGHT_ROWS, type BtmResult } from '../../../src/bench/btm/results';
import type { BenchReport } from '../../../src/bench/report';
import { writeDomainFolders } from '../../helpers/domain-folders';
import { assertBuilt, groveBin } from '../../helpers/grove-process';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir('grove-bench-cli-');
const root = join(dir, 'kinds');
const out = join(dir, 'results');

function grove(args: string[]) {
  return spawnSync(process.execPath, [groveBin, 'bench', 'btm', '--quick', '--out', out, ...args], { encoding: 'utf8', timeout: 300_000 });
}

beforeAll(() => {
  assertBuilt();
  writeDomainFolders(root, { documents: 24, lines: 30 });
  writeFileSync(join(root, 'code', 'blob.bin'), Buffer.from([0, 1, 2, 0, 255, 0, 7, 0]));
});

describe('grove bench btm --domains', () => {
  it('runs the quick benchmark on a folder of folders and writes its report beside, not over, the Brown one', () => {
    const run = grove(['--domains', root, '--held-out', 'verse,statutes']);
    expect(run.status, run.stderr + run.stdout).toBe(0);
    expect(run.stdout).toMatch(/report: .*btm-kinds-quick\.md/);
    expect(existsSync(join(out, 'btm.md'))).toBe(false);
    const report = JSON.parse(readFileSync(join(out, 'btm-kinds-quick.json'), 'utf8')) as BenchReport;
    const data = report.suites.find((s) => s.suite === 'btm')!.data as BtmResult;
    expect(data.trainGenres).toEqual(['code', 'ledger', 'recipes']);
    expect(data.heldOutGenres).toEqual(['verse', 'statutes']);
    expect(data.source).toMatchObject({ kind: 'folders', root });
    const ingestion = data.source?.kind === 'folders' ? data.source.ingestion : [];
    expect(ingestion.find((d) => d.domain === 'code')!.skipped).toEqual([expect.objectContaining({ path: 'blob.bin', reason: 'binary' })]);
    expect(ingestion.find((d) => d.domain === 'recipes')!.accepted).toBe(24);
    for (const forest of data.forests) {
      expect(forest.rows.map((r) => r.id)).toEqual(forestRowIds(data.trainGenres.length));
      for (const row of forest.rows) {
        for (const side of [row.inDomain, row.outOfDomain])
          expect(Number.isFinite(side.perplexity) && side.perplexity > 1, `${row.id} at ${forest.fraction}`).toBe(true);
      }
      expect(forest.seedSteps + 3 * forest.expertSteps).toBe((data.config as { totalSteps: number }).totalSteps);
    }
    // Domains this different: each training domain's own expert is the best single model on it.
    const main = data.forests.find((f) => f.fraction === 0.5)!;
    for (const g of data.trainGenres) {
      const own = main.expertMatrix[g]![g]!.perplexity;
      for (const other of data.trainGenres.filter((x) => x !== g))
        expect(own, `${g} expert vs ${other} expert on ${g}`).toBeLessThan(main.expertMatrix[other]![g]!.perplexity);
    }
    const markdown = readFileSync(join(out, 'btm-kinds-quick.md'), 'utf8');
    expect(markdown).toContain('Ingestion of each domain (skipped files)');
    expect(markdown).toMatch(/\| code \| train \| 25 \| 24 \| document \| 1 binary \| blob\.bin \(binary\) \|/);
    expect(readFileSync(join(out, 'btm-kinds-quick.svg'), 'utf8').startsWith('<svg')).toBe(true);
    // The progress line (off a terminal, at most one every 5 s: which phase it catches depends on the machine's speed).
    expect(run.stdout + run.stderr).toMatch(/^btm .* \| run \d+ % /m);
  }, 300_000);

  it('adds the light forest with --light: its own finite rows, each light expert better than its seed on its domain', () => {
    const lightOut = join(dir, 'light-results');
    const run = spawnSync(
      process.execPath,
      [
        groveBin,
        'bench',
        'btm',
        '--quick',
        '--out',
        lightOut,
        '--domains',
        root,
        '--held-out',
        'verse,statutes',
        '--light',
        '--rank',
        '2',
        '--seed-fraction',
        '0.5',
      ],
      { encoding: 'utf8', timeout: 300_000 },
    );
    expect(run.status, run.stderr + run.stdout).toBe(0);
    const report = JSON.parse(readFileSync(join(lightOut, 'btm-kinds-quick.json'), 'utf8')) as BenchReport;
    const data = report.suites.find((s) => s.suite === 'btm')!.data as BtmResult;
    const forest = data.forests[0]!;
    expect(forest.rows.map((r) => r.id)).toEqual(forestRowIds(data.trainGenres.length));
    const light = forest.light!;
    expect(light).toMatchObject({ rank: 2, alpha: 4, experts: ['code', 'ledger', 'recipes'] });
    expect(light.rows.map((r) => r.id)).toEqual(LIGHT_ROWS.map((r) => r.id));
    for (const row of light.rows) {
      for (const side of [row.inDomain, row.outOfDomain])
        expect(Number.isFinite(side.perplexity) && side.perplexity > 1, row.id).toBe(true);
    }
    const seed = forest.rows.find((r) => r.id === 'seed')!;
    for (const g of data.trainGenres)
      expect(light.expertMatrix[g]![g]!.perplexity, `${g} light expert vs its seed`).toBeLessThan(seed.genres[g]!.perplexity);
    expect(light.budget.lightExpertFlops).toBeLessThanOrEqual(light.budget.fullExpertFlops);
    const markdown = readFileSync(join(lightOut, 'btm-kinds-quick.md'), 'utf8');
    expect(markdown).toContain('Light experts (LoRA rank 2): test perplexity, seed phase 50 %');
    expect(markdown).toContain('| light posterior-weighted parameter average (W0 + sum w_j B_j A_j) |');
    expect(run.stdout).toMatch(
      /btm: light, seed 50 %, in-domain mean ppl vs dense \(C steps on the mix\): light ensemble, cached prior, context posterior = [\d.]+ ppl/,
    );
  }, 300_000);

  it('refuses a held-out name that is not a sub-folder, naming the ones there are', () => {
    const run = grove(['--domains', root, '--held-out', 'poetry']);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(
      /--held-out "poetry" is not a sub-folder of .*kinds; its sub-folders are code, ledger, recipes, statutes, verse/,
    );
  });

  it('refuses a domain too small to split, saying how much more text it needs', () => {
    const small = join(dir, 'small');
    writeDomainFolders(small, { kinds: ['code', 'recipes', 'ledger'], documents: 24, lines: 30 });
    mkdirSync(join(small, 'notes'));
    writeFileSync(join(small, 'notes', 'one.txt'), 'A single short note about nothing in particular.\n');
    const run = grove(['--domains', small, '--held-out', 'ledger']);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(
      /domain "notes" \(.*notes\) is too small to split into train, valid and test: .*It holds 1 KB of text; add about \d+ KB more \(about [\d,]+ words\)/,
    );
  }, 120_000);

  it('refuses an unknown shape and domain options without --domains before measuring anything', () => {
    expect(grove(['--domains', root, '--held-out', 'verse', '--shape', 'huge']).stderr).toMatch(
      /--shape huge is not a shape the benchmark knows; choose one of micro, tiny, small, smollm2-135m/,
    );
    expect(grove(['--held-out', 'verse']).stderr).toMatch(/--held-out needs --domains DIR/);
    expect(grove(['--rank', '8']).stderr).toMatch(/--rank 8 sets the light experts' rank, but there are none without --light; add --light/);
    expect(grove(['--light', '--rank', 'two']).stderr).toMatch(/--rank "two" is not a positive whole number/);
  });
});
