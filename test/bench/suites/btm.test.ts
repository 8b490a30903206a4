// The BTM benchmark's quick preset end to end (what CI runs): every row of every seed fraction is produced
// for every genre with a finite perplexity and bits per byte, the findings are computed, and the chart and
// the report's sections and data come out. Numbers are not checked: at this size they mean nothing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROWS, type BtmResult } from '../../../src/bench/btm/results';
import { btmSuite } from '../../../src/bench/suites/btm';
import { tempDir } from '../../helpers/tmp';

describe('bench suite btm (quick)', () => {
  it('produces every row, finite, at every seed fraction, with findings, sections and a chart', async () => {
    const outDir = tempDir('grove-btm-quick-');
    const lines: string[] = [];
    const result = await btmSuite.run({ threads: 2, quick: true, peakGflops: 0, log: (l) => lines.push(l), outDir, progress: (l) => lines.push(l) });
    const data = result.data as BtmResult;
    const genres = [...data.trainGenres, ...data.heldOutGenres];
    expect(data.forests.map((f) => f.fraction)).toEqual([0.25, 0.5, 0.8]);
    for (const forest of data.forests) {
      expect(forest.rows.map((r) => r.id)).toEqual(ROWS.map((r) => r.id));
      for (const row of forest.rows) {
        for (const g of genres) {
          const s = row.genres[g];
          expect(s, `${row.id} on ${g} at ${forest.fraction}`).toBeDefined();
          expect(Number.isFinite(s!.perplexity) && s!.perplexity > 1, `${row.id} ${g} perplexity ${s!.perplexity}`).toBe(true);
          expect(Number.isFinite(s!.bitsPerByte) && s!.bitsPerByte > 0, `${row.id} ${g} bits per byte`).toBe(true);
          expect(s!.tokens).toBeGreaterThan(0);
        }
        for (const side of [row.inDomain, row.outOfDomain]) expect(Number.isFinite(side.perplexity) && Number.isFinite(side.bitsPerByte)).toBe(true);
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

    const titles = result.sections!.map((s) => s.title);
    expect(titles).toContain("The paper's findings");
    expect(result.sections!.find((s) => s.title.startsWith('Test perplexity, seed phase 50'))!.markdown.split('\n')).toHaveLength(2 + ROWS.length + 2);
    const svg = readFileSync(join(outDir, 'btm-quick.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<rect x="\d+(\.\d+)?" y="\d+(\.\d+)?" width="[\d.]+" height="11"/g)).toHaveLength(2 * ROWS.length);
    expect(lines.some((l) => /btm .*step \d+\/\d+/.test(l))).toBe(true);
  }, 240_000);
});
