// Bench suite "btm": the Branch-Train-Merge paper's comparison at small scale on the Brown corpus's genres
// (src/bench/btm/): seed, dense, experts, ensembles, parameter averages and a random-split control at equal
// compute, with the seed-phase ablation. Tables in the report, the full data in its JSON, a chart beside it.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeChart } from '../btm/chart';
import { btmConfig } from '../btm/config';
import { runBtmBenchmark } from '../btm/pipeline';
import { btmFigures, btmSections } from '../btm/tables';
import type { BenchSuite } from '../run';

/** Without a progress line, the state every ten seconds goes to the log instead (not every step's). */
function throttled(log: (line: string) => void, everyMs: number): (line: string) => void {
  let last = 0;
  return (line) => {
    if (Date.now() - last < everyMs) return;
    last = Date.now();
    log(line);
  };
}

export const btmSuite: BenchSuite = {
  name: 'btm',
  description: 'Branch-Train-Merge on Brown genres at equal compute: seed, dense, experts, ensembles (uniform/cached prior, top-2), parameter averages, random-split control; seed-phase ablation',
  async run(ctx) {
    const config = btmConfig(ctx.quick ? 'quick' : 'default', { threads: ctx.threads });
    const work = mkdtempSync(join(tmpdir(), 'grove-bench-btm-'));
    try {
      const result = await runBtmBenchmark(config, { work, log: ctx.log, show: ctx.progress ?? throttled(ctx.log, 10_000) });
      const main = result.forests.find((f) => f.fraction === config.mainFraction)!;
      // The chart is named like the report of `grove bench btm` (btm.md), next to it.
      const chartName = ctx.quick ? 'btm-quick.svg' : 'btm.svg';
      mkdirSync(ctx.outDir, { recursive: true });
      writeChart(join(ctx.outDir, chartName), main.rows, `BTM on Brown genres: mean test perplexity at equal compute (seed ${Math.round(config.mainFraction * 100)} %, ${config.preset})`);
      return { suite: 'btm', figures: btmFigures(result), sections: btmSections(result, chartName), data: result };
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
};
