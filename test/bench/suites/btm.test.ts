// The BTM benchmark's quick preset end to end (what CI runs): every row of every seed fraction is produced
// for every genre with a finite perplexity and bits per byte, the findings are computed, and the chart and
// the report's sections and data come out; every merge method of the registry has its row (linear: the
// posterior-weighted average's; SLERP, of two models, left out of a forest of three with the reason), in the
// tables and the JSON. Numbers are not checked: at this size they mean nothing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MERGE_METHODS } from '../../../src/engine/forest/merge/registry';
import { forestRowIds, ROWS, type BtmResult } from '../../../src/bench/btm/results';
import { btmSuite } from '../../../src/bench/suites/btm';
import { tempDir } from '../../helpers/tmp';

describe('bench suite btm (quick)', () => {
  it('produces every row, finite, at every seed fraction, with findings, sections and a chart', async () => {
    const outDir = tempDir('grove-btm-quick-');
    const lines: string[] = [];
    const result = await btmSuite.run({
      threads: 2,
      quick: true,
      peakGflops: 0,
      log: (l) => lines.push(l),
      outDir,
      progress: (l) => lines.push(l),
    });
    const data = result.data as BtmResult;
    const genres = [...data.trainGenres, ...data.heldOutGenres];
    expect(data.forests.map((f) => f.fraction)).toEqual([0.25, 0.5, 0.8]);
    for (const forest of data.forests) {
      expect(forest.rows.map((r) => r.id)).toEqual(forestRowIds(data.trainGenres.length));
      for (const row of forest.rows) {
        for (const g of genres) {
          const s = row.genres[g];
          expect(s, `${row.id} on ${g} at ${forest.fraction}`).toBeDefined();
          expect(Number.isFinite(s!.perplexity) && s!.perplexity > 1, `${row.id} ${g} perplexity ${s!.perplexity}`).toBe(true);
          expect(Number.isFinite(s!.bitsPerByte) && s!.bitsPerByte > 0, `${row.id} ${g} bits per byte`).toBe(true);
          expect(s!.tokens).toBeGreaterThan(0);
        }
        for (const side of [row.inDomain, row.outOfDomain])
          expect(Number.isFinite(side.perplexity) && Number.isFinite(side.bitsPerByte)).toBe(true);
      }
      for (const g of genres) {
        expect(forest.priors.context[g]!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
        expect(forest.randomPriors.lastToken[g]).toHaveLength(data.trainGenres.length);
      }
      // Equal compute: seed steps + k experts' steps = the dense model's steps.
      expect(forest.seedSteps + data.trainGenres.length * forest.expertSteps).toBe((data.config as { totalSteps: number }).totalSteps);
    }
    expect(data.findings).toHaveLength(3 * data.forests.length);
    expect(data.dense.validCurve.length).toBeGreaterThan(0);
    expect(data.phases.every((p) => Number.isFinite(p.seconds))).toBe(true);

    // One row per merge method: three experts, so every method but SLERP (exactly two models) scores a collapse.
    const rowIds = forestRowIds(data.trainGenres.length);
    expect(rowIds).toEqual(ROWS.map((r) => r.id).filter((id) => id !== 'merge-slerp'));
    for (const forest of data.forests) {
      expect(forest.mergeMethods.map((m) => m.method)).toEqual(MERGE_METHODS.map((m) => m.name));
      for (const m of forest.mergeMethods) {
        if (m.method === 'slerp')
          expect(m).toMatchObject({ row: null, leftOut: 'slerp merges exactly 2 models and this forest has 3 experts' });
        else if (m.method === 'linear') expect(m.row).toBe('average-posterior');
        else
          expect(
            forest.rows.find((r) => r.id === m.row),
            m.method,
          ).toBeDefined();
      }
      // Distinct collapses: TIES and DARE at density 0.5 are not task arithmetic (nor each other) on any genre.
      const ta = forest.rows.find((r) => r.id === 'merge-task_arithmetic')!;
      for (const id of ['merge-ties', 'merge-dare_linear', 'merge-dare_ties', 'average-posterior'] as const)
        expect(forest.rows.find((r) => r.id === id)!.genres[genres[0]!]!.loss, id).not.toBe(ta.genres[genres[0]!]!.loss);
    }
    const titles = result.sections!.map((s) => s.title);
    expect(titles).toContain("The paper's findings");
    expect(result.sections!.find((s) => s.title.startsWith('Test perplexity, seed phase 50'))!.markdown.split('\n')).toHaveLength(
      2 + rowIds.length + 2,
    );
    const merges = result.sections!.find((s) => s.title === 'Merge methods: one collapsed model per method, seed phase 50 %')!.markdown;
    for (const m of MERGE_METHODS) expect(merges).toMatch(new RegExp(`^\\| ${m.name} \\| `, 'm'));
    expect(merges).toMatch(/\| slerp \| left out: slerp merges exactly 2 models/);
    expect(merges).toMatch(
      /\| ties \| ties merge \(posterior weights, seed as base, density 0\.5\) \| density 0\.5 \| [\d.]+ \| [\d.]+ \|/,
    );
    const svg = readFileSync(join(outDir, 'btm-quick.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<rect x="\d+(\.\d+)?" y="\d+(\.\d+)?" width="[\d.]+" height="11"/g)).toHaveLength(2 * rowIds.length);
    expect(lines.some((l) => /btm .*step \d+\/\d+/.test(l))).toBe(true);
  }, 360_000);
});
