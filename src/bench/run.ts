// `grove bench`: runs the benchmark suites and writes the report (JSON + markdown) to bench/results/.
import { GroveError } from '../shared/api/errors';
import { matmulPeak } from './matmul-peak';
import { newReport, writeReport, type BenchReport, type SuiteResult } from './report';
import { btmConfigFromOptions, type BtmOptions } from './btm/options';
import { btmReportName, btmSuite } from './suites/btm';
import { discoverSuite } from './suites/discover';
import { engineSuite } from './suites/engine';
import { estimatesSuite } from './suites/estimates';
import { ensembleSuite } from './suites/ensemble';
import { ingestSuite } from './suites/ingest';
import { lightSuite } from './suites/light';
import { lightStartSuite } from './suites/light-start';
import { llamaCppSuite } from './suites/llamacpp';
import { openAiSuite } from './suites/openai';
import { tokenizerSuite } from './suites/tokenizer';

export interface BenchContext {
  threads: number;
  quick: boolean;
  /** The machine's MatMul peak in GFLOP/s, measured first, for FLOP-rate fractions. */
  peakGflops: number;
  log: (line: string) => void;
  /** The report folder: suites that write files beside the report (charts) put them here. */
  outDir: string;
  /** A progress line for long suites (rewritten in place on a terminal); default: log. */
  progress?: (line: string) => void;
  /** The btm suite's own options (`grove bench btm --domains DIR ...`). */
  btm?: BtmOptions;
}

export interface BenchSuite {
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<SuiteResult>;
}

/** The registry of suites: one entry per suite, each in its own module. */
export const suites: BenchSuite[] = [
  engineSuite,
  tokenizerSuite,
  ingestSuite,
  llamaCppSuite,
  ensembleSuite,
  lightSuite,
  lightStartSuite,
  openAiSuite,
  btmSuite,
  discoverSuite,
  estimatesSuite,
];

export async function runBench(opts: {
  names: string[];
  threads: number;
  quick: boolean;
  outDir: string;
  log: (line: string) => void;
  progress?: (line: string) => void;
  btm?: BtmOptions;
}): Promise<{ report: BenchReport; files: { json: string; markdown: string } }> {
  const unknown = opts.names.filter((n) => !suites.some((s) => s.name === n));
  if (unknown.length > 0)
    throw new Error(`Unknown benchmark suite(s) ${unknown.join(', ')}; known: ${suites.map((s) => s.name).join(', ') || '(none yet)'}`);
  const btmReport = btmReportName(opts.btm, opts.quick);
  if (opts.btm && Object.keys(opts.btm).length > 0 && !(opts.names.length === 1 && opts.names[0] === 'btm')) {
    throw new GroveError(
      'bad_input',
      `The BTM options (--domains, --held-out, --seed-model, --budget, --seed-fraction, --shape) apply to the btm suite alone; run \`grove bench btm ...\` with them.`,
    );
  }
  // A wrong folder or flag is said now, before the peak measurement's seconds are spent.
  if (opts.btm) btmConfigFromOptions(opts.quick ? 'quick' : 'default', opts.btm);
  const report = newReport(opts.threads);
  opts.log(`measuring this machine's MatMul peak (${opts.threads} threads)...`);
  const peak = await matmulPeak(opts.threads, opts.quick);
  report.suites.push(peak.suite);
  const ctx: BenchContext = {
    threads: opts.threads,
    quick: opts.quick,
    peakGflops: peak.gflops,
    log: opts.log,
    outDir: opts.outDir,
    ...(opts.progress ? { progress: opts.progress } : {}),
    ...(opts.btm ? { btm: opts.btm } : {}),
  };
  for (const suite of suites.filter((s) => opts.names.length === 0 || opts.names.includes(s.name))) {
    opts.log(`suite ${suite.name}: ${suite.description}`);
    report.suites.push(await suite.run(ctx));
  }
  // One report per selection of suites, so running one suite never overwrites another's figures.
  return {
    report,
    files: writeReport(report, opts.outDir, btmReport ?? (opts.names.length > 0 ? [...opts.names].sort().join('+') : 'all')),
  };
}
