// `grove bench [suite...]`: measures Grove (and references side by side) and writes bench/results/latest.{json,md}.
// `grove bench btm --domains DIR ...` runs the BTM comparison on the user's own folders (src/bench/btm/options.ts).
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { BtmOptions } from '../../bench/btm/options';
import { runBench, suites } from '../../bench/run';
import { GroveError } from '../../shared/api/errors';
import { ProgressLine } from '../progress-line';

interface BenchOpts {
  threads: number;
  quick: boolean;
  out: string;
  domains?: string;
  heldOut?: string;
  seedModel?: string;
  budget?: string;
  seedFraction?: string;
  shape?: string;
  light: boolean;
  rank?: number;
  lightLrScale?: number;
  seed?: number;
}

const list = (v: string) =>
  v
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0);

function fractions(v: string): number[] {
  return list(v).map((x) => {
    const f = Number(x);
    if (!Number.isFinite(f))
      throw new GroveError(
        'bad_input',
        `--seed-fraction ${JSON.stringify(x)} is not a number; give shares of the budget such as 0.5 or 0.25,0.5,0.8.`,
      );
    return f;
  });
}

function rank(v: string): number {
  const r = Number(v);
  if (!Number.isInteger(r) || r < 1)
    throw new GroveError('bad_input', `--rank ${JSON.stringify(v)} is not a positive whole number; give a LoRA rank such as 4, 8 or 16.`);
  return r;
}

function lrScale(v: string): number {
  const x = Number(v);
  if (!(Number.isFinite(x) && x > 0))
    throw new GroveError(
      'bad_input',
      `--light-lr-scale ${JSON.stringify(v)} is not a positive number; give a multiple of the full experts' learning rates such as 1, 3 or 10.`,
    );
  return x;
}

/** The btm suite's options from the flags; undefined when none is given (the committed Brown run). */
function btmOptions(o: BenchOpts): BtmOptions | undefined {
  const out: BtmOptions = {
    ...(o.domains ? { domains: o.domains } : {}),
    ...(o.heldOut !== undefined ? { heldOut: list(o.heldOut) } : {}),
    ...(o.seedModel ? { seedModel: o.seedModel } : {}),
    ...(o.budget ? { budget: o.budget } : {}),
    ...(o.seedFraction ? { seedFractions: fractions(o.seedFraction) } : {}),
    ...(o.shape ? { shape: o.shape } : {}),
    ...(o.light ? { light: true } : {}),
    ...(o.rank !== undefined ? { rank: o.rank } : {}),
    ...(o.lightLrScale !== undefined ? { lightLrScale: o.lightLrScale } : {}),
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
  };
  return Object.keys(out).length > 0 ? out : undefined;
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description(
      `run benchmarks and write a JSON + markdown report (suites: ${suites.map((s) => s.name).join(', ') || 'machine peak only'})`,
    )
    .argument('[suites...]', 'suites to run (default: all)')
    .option('--threads <n>', 'intra-op threads', (v) => Number.parseInt(v, 10), 2)
    .option('--quick', 'small sizes, for CI smoke runs', false)
    .option('--out <dir>', 'report folder', 'bench/results')
    .option('--domains <dir>', 'btm: the domains are the sub-folders of this folder (default: Brown genres); report btm-<folder>.md')
    .option('--held-out <names>', 'btm: comma-separated sub-folders of --domains evaluated out of domain, never trained on')
    .option(
      '--seed-model <folder>',
      'btm: a model folder (config.json, model.safetensors, tokenizer.json) whose continued training is the seed phase',
    )
    .option('--budget <n>', 'btm: compute per system, in steps (1120) or tokens (2M, 500k)')
    .option(
      '--seed-fraction <f>',
      "btm: the seed phase's share of the budget; a comma list runs the ablation, the first is the headline table",
    )
    .option('--shape <name>', 'btm: model shape (micro, tiny, small, smollm2-135m)')
    .option('--light', "btm: also light experts (LoRA adapters over each seed) at the full experts' FLOPs, in their own rows", false)
    .option('--rank <r>', "btm: the light experts' LoRA rank (default 16; 4 with --quick)", rank)
    .option(
      '--seed <n>',
      "btm: a repeat's training seed (weights N, batches N+1, random split N+2; the data split stays), default the preset's",
      (v) => Number(v),
    )
    .option('--light-lr-scale <x>', "btm: the light experts' learning rates as a multiple of the full experts' (default 1)", lrScale)
    .action(async (names: string[], opts: BenchOpts) => {
      const line = new ProgressLine();
      const log = (l: string) => {
        line.done();
        console.log(l);
      };
      const btm = btmOptions(opts);
      const { report, files } = await runBench({
        names,
        threads: opts.threads,
        quick: opts.quick,
        outDir: resolve(opts.out),
        log,
        progress: (l) => line.update(l),
        ...(btm ? { btm } : {}),
      });
      line.done();
      for (const suite of report.suites)
        for (const f of suite.figures) console.log(`${suite.suite}: ${f.name} = ${f.value.toFixed(2)} ${f.unit}`);
      console.log(`report: ${files.markdown}`);
    });
}
