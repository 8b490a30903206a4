// `grove bench [suite...]`: measures Grove (and references side by side) and writes bench/results/latest.{json,md}.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { runBench, suites } from '../../bench/run';
import { ProgressLine } from '../progress-line';

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description(`run benchmarks and write a JSON + markdown report (suites: ${suites.map((s) => s.name).join(', ') || 'machine peak only'})`)
    .argument('[suites...]', 'suites to run (default: all)')
    .option('--threads <n>', 'intra-op threads', (v) => Number.parseInt(v, 10), 2)
    .option('--quick', 'small sizes, for CI smoke runs', false)
    .option('--out <dir>', 'report folder', 'bench/results')
    .action(async (names: string[], opts: { threads: number; quick: boolean; out: string }) => {
      const line = new ProgressLine();
      const log = (l: string) => {
        line.done();
        console.log(l);
      };
      const { report, files } = await runBench({ names, threads: opts.threads, quick: opts.quick, outDir: resolve(opts.out), log, progress: (l) => line.update(l) });
      line.done();
      for (const suite of report.suites) for (const f of suite.figures) console.log(`${suite.suite}: ${f.name} = ${f.value.toFixed(2)} ${f.unit}`);
      console.log(`report: ${files.markdown}`);
    });
}
