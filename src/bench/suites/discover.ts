// Bench suite "discover": domain discovery on Brown genres mixed into one unlabelled set (purity and adjusted Rand
// index of the clusters against the genres, for two k), and at equal compute the forest grown on the clusters and
// routed by them (c-BTM) beside the forest grown on the genres and one dense model (src/bench/discover/).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { btmConfig, type BtmConfig } from '../btm/config';
import { btmShape } from '../btm/shapes';
import { runDiscoverBenchmark, type DiscoverBenchConfig } from '../discover/pipeline';
import { discoverFigures, discoverSections } from '../discover/report';
import type { BenchSuite } from '../run';

/**
 * The committed run: four Brown genres of 24 to 44 documents (one of them fiction, three non-fiction of different
 * registers) and one held out, the BTM benchmark's tiny shape at context 128 and 480 steps, seed phase 50 %: 9
 * minutes measured on a busy 2-core machine (bench/results/discover.notes.md). k = 4 (the genres) and 8.
 */
export function discoverBenchConfig(quick: boolean, threads: number): DiscoverBenchConfig {
  if (quick) {
    // Three small genres, the micro shape, 24 steps: the whole pipeline in well under a minute (tests, smoke runs).
    const btm: BtmConfig = btmConfig('quick', {
      totalSteps: 24,
      seedFractions: [0.5],
      mainFraction: 0.5,
      evalMaxTokens: 256,
      priorSequences: 2,
      denseEvalEvery: 12,
      threads,
    });
    return { btm, ks: [3, 2], discoverSeed: 0 };
  }
  const btm = btmConfig('default', {
    trainGenres: ['news', 'government', 'hobbies', 'romance'],
    heldOutGenres: ['religion'],
    totalSteps: 480,
    seedFractions: [0.5],
    mainFraction: 0.5,
    contextLength: 128,
    model: btmShape('tiny', 128),
    evalMaxTokens: 4096,
    priorSequences: 16,
    denseEvalEvery: 60,
    threads,
  });
  return { btm, ks: [4, 8], discoverSeed: 0 };
}

export const discoverSuite: BenchSuite = {
  name: 'discover',
  description:
    'domain discovery on Brown genres mixed into one folder (purity, adjusted Rand index), and at equal compute the cluster-routed forest (c-BTM) beside the genre forest and the dense model',
  async run(ctx) {
    const config = discoverBenchConfig(ctx.quick, ctx.threads);
    const work = mkdtempSync(join(tmpdir(), 'grove-bench-discover-'));
    try {
      const result = await runDiscoverBenchmark(config, { work, log: ctx.log, show: ctx.progress ?? ctx.log });
      return { suite: 'discover', figures: discoverFigures(result), sections: discoverSections(result), data: result };
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
};
