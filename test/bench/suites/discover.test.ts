// The discover suite's quick preset end to end (three small Brown genres, the micro shape, 24 steps): the pooled
// train documents are clustered for both k and scored against their genres (every document counted once, the
// balanced sizes, purity and ARI recomputed from the printed genres-by-clusters table), the two forests and the
// dense model are trained at equal compute, and every row has a finite test perplexity on every genre.
import { describe, expect, it } from 'vitest';
import { adjustedRandIndex, purity } from '../../../src/engine/corpus/discover/agreement';
import type { DiscoverResult } from '../../../src/bench/discover/pipeline';
import { DISCOVER_ROWS } from '../../../src/bench/discover/pipeline';
import { discoverSuite } from '../../../src/bench/suites/discover';
import { tempDir } from '../../helpers/tmp';

describe('bench suite discover (quick)', () => {
  it('clusters the pooled genres, trains both forests and the dense model, and scores every row', async () => {
    const lines: string[] = [];
    const out = await discoverSuite.run({
      threads: 2,
      quick: true,
      peakGflops: 0,
      log: (l) => lines.push(l),
      outDir: tempDir('grove-discover-quick-'),
      progress: () => undefined,
    });
    const r = out.data as DiscoverResult;
    expect(r.trainGenres).toEqual(['science_fiction', 'humor', 'reviews']);
    expect(Object.values(r.documents.byGenre).reduce((a, b) => a + b, 0)).toBe(r.documents.total);
    expect(r.clusterings.map((c) => c.k)).toEqual([3, 2]);
    for (const c of r.clusterings) {
      const sizes = c.clusters.map((cl) => cl.size);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(r.documents.total);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      // The same scores from the table alone: one (genre, cluster) label pair per document.
      const labels: string[] = [];
      const clusters: number[] = [];
      c.clusters.forEach((cl, i) =>
        Object.entries(cl.genres).forEach(([g, n]) => {
          for (let t = 0; t < n; t++) {
            labels.push(g);
            clusters.push(i);
          }
        }),
      );
      expect(c.purity).toBeCloseTo(purity(labels, clusters), 12);
      expect(c.ari).toBeCloseTo(adjustedRandIndex(labels, clusters), 12);
    }
    expect(r.steps).toEqual({ total: 24, seed: 12, perExpert: 4, experts: 3 });
    for (const row of DISCOVER_ROWS) {
      for (const g of [...r.trainGenres, ...r.heldOutGenres]) {
        const s = r.scores[row.id][g]!;
        expect(Number.isFinite(s.perplexity), `${row.id} on ${g}`).toBe(true);
        expect(s.perplexity).toBeGreaterThan(1);
        expect(s.tokens).toBeGreaterThan(0);
      }
    }
    expect(out.sections!.map((s) => s.title)).toEqual([
      'Settings',
      'Do the clusters recover the genres?',
      'Test perplexity at equal compute',
      'Time per phase',
    ]);
    expect(lines.some((l) => /k = 3: purity \d\.\d{3}, ARI -?\d\.\d{3}/.test(l))).toBe(true);
  }, 300_000);
});
