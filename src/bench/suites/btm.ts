// Bench suite "btm": the Branch-Train-Merge paper's comparison at small scale on the Brown corpus's genres,
// or on the sub-folders of a folder the user names (`--domains DIR`, src/bench/btm/options.ts): seed, dense, experts, ensembles, parameter averages and a random-split control at equal
// compute, with the seed-phase ablation; with `--light`, a light forest (LoRA experts over each seed, at the
// full experts' FLOPs) in its own rows. Tables in the report, the full data in its JSON, a chart beside it.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { writeChart } from '../btm/chart';
import { btmConfigFromOptions, type BtmOptions } from '../btm/options';
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

/**
 * The report's name for a run on the user's folders: btm-<folder name>[-quick], so it never overwrites the
 * committed Brown table (btm.md); null for Brown, whose report keeps the suite's name.
 */
export function btmReportName(options: BtmOptions | undefined, quick: boolean): string | null {
  if (!options?.domains) return null;
  const folder = basename(resolve(options.domains)).replace(/[^A-Za-z0-9._-]+/g, '_') || 'domains';
  return `btm-${folder}${quick ? '-quick' : ''}`;
}

export const btmSuite: BenchSuite = {
  name: 'btm',
  description:
    'Branch-Train-Merge at equal compute on Brown genres, or on the sub-folders of --domains DIR: seed, dense, experts, ensembles (uniform/cached prior, top-2), parameter averages, random-split control; seed-phase ablation; --light adds light (LoRA) experts at equal FLOPs',
  async run(ctx) {
    const config = btmConfigFromOptions(ctx.quick ? 'quick' : 'default', ctx.btm ?? {}, { threads: ctx.threads });
    const work = mkdtempSync(join(tmpdir(), 'grove-bench-btm-'));
    try {
      const result = await runBtmBenchmark(config, { work, log: ctx.log, show: ctx.progress ?? throttled(ctx.log, 10_000) });
      const main = result.forests.find((f) => f.fraction === config.mainFraction)!;
      // The chart is named like the report of `grove bench btm` (btm.md, or btm-<folder>.md), next to it.
      const reportName = btmReportName(ctx.btm, ctx.quick);
      const chartName = reportName ? `${reportName}.svg` : ctx.quick ? 'btm-quick.svg' : 'btm.svg';
      const what = config.domains ? `the domains of ${basename(config.domains.root)}` : 'Brown genres';
      mkdirSync(ctx.outDir, { recursive: true });
      writeChart(
        join(ctx.outDir, chartName),
        main.rows,
        `BTM on ${what}: mean test perplexity at equal compute (seed ${Math.round(config.mainFraction * 100)} %, ${config.preset})`,
      );
      return { suite: 'btm', figures: btmFigures(result), sections: btmSections(result, chartName), data: result };
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
};
