// The BTM benchmark's quick preset with --light (one seed fraction, to keep CI short): the light forest's rows
// come out in their own list beside the unchanged full rows, every one finite on every genre; each light
// expert, trained from the seed with a fresh adapter, is better on its own genre than that seed; its steps are
// the full expert's FLOPs at a light step's cost; the light random-split control (one light expert per random
// part) is a row beside them; and the report carries the light sections and figures.
import { describe, expect, it } from 'vitest';
import { forestRowIds, LIGHT_ROWS, type BtmResult } from '../../../src/bench/btm/results';
import { btmSuite } from '../../../src/bench/suites/btm';
import { tempDir } from '../../helpers/tmp';

describe('bench suite btm --light (quick)', () => {
  it('adds finite light rows, and light experts better than their seed on their own genre', async () => {
    const outDir = tempDir('grove-btm-light-quick-');
    const lines: string[] = [];
    const result = await btmSuite.run({
      threads: 2,
      quick: true,
      peakGflops: 0,
      log: (l) => lines.push(l),
      outDir,
      progress: (l) => lines.push(l),
      btm: { light: true, seedFractions: [0.5] },
    });
    const data = result.data as BtmResult;
    const genres = [...data.trainGenres, ...data.heldOutGenres];
    const forest = data.forests[0]!;
    expect(data.forests).toHaveLength(1);
    expect(forest.rows.map((r) => r.id)).toEqual(forestRowIds(data.trainGenres.length));
    const light = forest.light!;
    expect(light.rows.map((r) => r.id)).toEqual(LIGHT_ROWS.map((r) => r.id));
    expect(light).toMatchObject({ rank: 4, alpha: 8, experts: data.trainGenres, randomExperts: forest.randomExperts });
    expect(light.rows.map((r) => r.id)).toContain('light-random-cached-context');
    for (const g of genres)
      expect(
        light.randomPriors.context[g]!.reduce((a, b) => a + b, 0),
        `light control's prior on ${g}`,
      ).toBeCloseTo(1, 6);
    for (const row of light.rows) {
      for (const g of genres) {
        const s = row.genres[g];
        expect(Number.isFinite(s?.perplexity) && s!.perplexity > 1, `${row.id} on ${g}`).toBe(true);
        expect(Number.isFinite(s!.bitsPerByte) && s!.bitsPerByte > 0).toBe(true);
      }
    }
    // Equal FLOPs: at most the full expert's, and within one light step of it.
    expect(light.budget.lightExpertFlops).toBeLessThanOrEqual(light.budget.fullExpertFlops);
    expect(light.budget.fullExpertFlops - light.budget.lightExpertFlops).toBeLessThan(light.budget.lightExpertFlops / light.budget.steps);
    expect(light.budget.steps).toBeGreaterThan(forest.expertSteps);
    const seed = forest.rows.find((r) => r.id === 'seed')!;
    for (const g of data.trainGenres) {
      expect(light.expertMatrix[g]![g]!.perplexity, `${g} light expert vs the seed on ${g}`).toBeLessThan(seed.genres[g]!.perplexity);
      expect(light.priors.context[g]!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    }
    const titles = result.sections!.map((s) => s.title);
    const section = result.sections!.find((s) => s.title === 'Light experts (LoRA rank 4): test perplexity, seed phase 50 %')!;
    // Accounting, then a table of the 4 reference rows and the light rows, then the comparisons.
    expect(section.markdown).toMatch(
      new RegExp(`buy floor\\(${forest.expertSteps} x [\\d.]+\\) = \\*\\*${light.budget.steps} light steps\\*\\*`),
    );
    expect(section.markdown.split('\n').filter((l) => l.startsWith('| '))).toHaveLength(2 + 4 + LIGHT_ROWS.length);
    expect(titles).toContain('Every light expert on every genre (test perplexity), seed phase 50 %');
    expect(result.figures.filter((f) => f.name.startsWith('light, seed 50 %'))).toHaveLength(4);
    expect(lines.some((l) => /btm .*light expert \d\/3 .*step \d+\/\d+/.test(l))).toBe(true);
  }, 240_000);
});
