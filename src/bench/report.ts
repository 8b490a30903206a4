// Benchmark reports: every figure with its unit and conditions, written as JSON (for tools) and as a
// markdown table (for people), to bench/results/. Figures are measured, never typed in.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { cpuName } from './cpu-name';
import { join } from 'node:path';
import { GROVE_VERSION } from '../engine/version';
import { onnxruntimeVersion } from '../engine/runtime/ort';

export interface Figure {
  /** What was measured, e.g. "train tokens/s (tiny)". */
  name: string;
  value: number;
  unit: string;
  /** The same figure from the reference implementation, when one ran side by side. */
  reference?: { name: string; value: number };
  note?: string;
}

export interface SuiteResult {
  suite: string;
  figures: Figure[];
  /** Extra tables or profiles, already formatted as markdown. */
  sections?: { title: string; markdown: string }[];
  /** The suite's full results as data (JSON report only), for tools and later comparison. */
  data?: unknown;
}

export interface BenchReport {
  createdAt: string;
  grove: string;
  onnxruntime: string;
  machine: { cpu: string; cores: number; memoryGiB: number; platform: string; node: string };
  threads: number;
  /** The 1, 5 and 15 minute load averages when the run started: timings on a shared machine depend on them. */
  loadAverage?: number[];
  suites: SuiteResult[];
}

export function newReport(threads: number): BenchReport {
  return {
    createdAt: new Date().toISOString(),
    grove: GROVE_VERSION,
    onnxruntime: onnxruntimeVersion,
    machine: {
      cpu: cpuName(),
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      platform: `${process.platform}/${process.arch}`,
      node: process.version,
    },
    threads,
    loadAverage: loadavg(),
    suites: [],
  };
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const abs = Math.abs(v);
  if (abs >= 1000) return v.toFixed(0);
  if (abs >= 10) return v.toFixed(1);
  // Small figures (a divergence in nats) keep three significant digits instead of reading 0.000.
  return abs === 0 || abs >= 0.01 ? v.toFixed(3) : v.toPrecision(3);
}

export function toMarkdown(report: BenchReport): string {
  const lines = [
    `# Grove benchmark, ${report.createdAt}`,
    '',
    `Grove ${report.grove}, ONNX Runtime ${report.onnxruntime}, ${report.machine.cpu}, ${report.machine.cores} cores, ${report.machine.memoryGiB} GiB, ${report.machine.platform}, Node ${report.machine.node}, ${report.threads} threads${report.loadAverage ? `; load average ${report.loadAverage.map((l) => l.toFixed(2)).join(', ')} (1, 5, 15 min) at the start` : ''}.`,
  ];
  for (const suite of report.suites) {
    lines.push('', `## ${suite.suite}`, '', '| figure | Grove | reference | ratio | note |', '| --- | ---: | ---: | ---: | --- |');
    for (const f of suite.figures) {
      const ref = f.reference ? `${fmt(f.reference.value)} (${f.reference.name})` : '';
      const ratio = f.reference && f.reference.value !== 0 ? `${(f.value / f.reference.value).toFixed(2)}x` : '';
      lines.push(`| ${f.name} | ${fmt(f.value)} ${f.unit} | ${ref} | ${ratio} | ${f.note ?? ''} |`);
    }
    for (const s of suite.sections ?? []) lines.push('', `### ${s.title}`, '', s.markdown);
  }
  return `${lines.join('\n')}\n`;
}

/** Writes <dir>/<name>.json and .md atomically; returns the two paths. */
export function writeReport(report: BenchReport, dir: string, name = 'latest'): { json: string; markdown: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, `${name}.json`);
  const markdown = join(dir, `${name}.md`);
  for (const [file, text] of [
    [json, `${JSON.stringify(report, null, 2)}\n`],
    [markdown, toMarkdown(report)],
  ] as const) {
    writeFileSync(`${file}.tmp`, text);
    renameSync(`${file}.tmp`, file);
  }
  return { json, markdown };
}
