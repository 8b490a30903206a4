// ONNX Runtime's op-by-op profile (the JSON files a session writes with profilePrefix), summed per op type
// and formatted as a markdown table: where a graph's kernel time goes.
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface OpTime {
  op: string;
  us: number;
  calls: number;
}

export interface ProfileEvent {
  cat: string;
  name: string;
  dur: number;
  /** Start, in microseconds since the session began. */
  ts?: number;
  args?: { op_name?: string; input_type_shape?: unknown[] };
}

/**
 * Total kernel microseconds and calls per op type over every profile file in dir, largest first; `skipRuns`
 * leaves out each file's first runs (warm-up: a session's first run allocates what later runs reuse).
 */
export function profileByOp(dir: string, skipRuns = 0): OpTime[] {
  return profileBy(dir, (e) => e.args?.op_name ?? '?', skipRuns);
}

/**
 * Runs `profiled` with a fresh profile-file prefix in a temporary folder named `name`, then sums its kernel
 * time per op (profileByOp, its first `skipRuns` runs left out) and removes the folder.
 */
export async function profileOps(name: string, profiled: (prefix: string) => Promise<void>, skipRuns = 0): Promise<OpTime[]> {
  const dir = join(tmpdir(), name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  try {
    await profiled(join(dir, 'profile'));
    return profileByOp(dir, skipRuns);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** When a file's first `runs` runs end (microseconds), so that later kernel events can be told from theirs. */
function afterRuns(events: readonly ProfileEvent[], runs: number): number {
  if (runs === 0) return -Infinity;
  const ends = events
    .filter((e) => e.cat === 'Session' && e.name === 'model_run')
    .map((e) => (e.ts ?? 0) + e.dur)
    .sort((a, b) => a - b);
  return ends[runs - 1] ?? Infinity;
}

/** Kernel microseconds and calls grouped by `key` of each kernel event (null: left out), largest first. */
export function profileBy(dir: string, key: (e: ProfileEvent) => string | null, skipRuns = 0): OpTime[] {
  const byOp = new Map<string, { us: number; calls: number }>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const events = JSON.parse(readFileSync(join(dir, file), 'utf8')) as ProfileEvent[];
    const from = afterRuns(events, skipRuns);
    for (const e of events) {
      if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time') || (e.ts ?? 0) < from) continue;
      const op = key(e);
      if (op === null) continue;
      const entry = byOp.get(op) ?? { us: 0, calls: 0 };
      entry.us += e.dur;
      entry.calls += 1;
      byOp.set(op, entry);
    }
  }
  return [...byOp.entries()].map(([op, v]) => ({ op, ...v })).sort((a, b) => b.us - a.us);
}

/** The top ops as a table, per unit of work (a token, a batch): ms, share of all kernel time, calls. */
export function opTable(ops: readonly OpTime[], units: number, unit: string, top = 12): string {
  const total = ops.reduce((s, o) => s + o.us, 0);
  return [
    `| op | ms per ${unit} | share | calls per ${unit} |`,
    '| --- | ---: | ---: | ---: |',
    ...ops
      .slice(0, top)
      .map(
        (o) =>
          `| ${o.op} | ${(o.us / 1000 / units).toFixed(3)} | ${((100 * o.us) / total).toFixed(1)} % | ${(o.calls / units).toFixed(0)} |`,
      ),
  ].join('\n');
}

/** Kernel milliseconds per unit, over every op. */
export function kernelMs(ops: readonly OpTime[], units: number): number {
  return ops.reduce((s, o) => s + o.us, 0) / 1000 / units;
}
