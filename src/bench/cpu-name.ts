// The CPU a report's timings came from, told apart well enough to compare reports: a cloud machine's model
// name can be just "AMD EPYC" on CPUs two generations apart (this machine's MatMul peak was 187 GFLOP/s on
// one and about 400 on the next, both named so), so the name carries the family and model numbers and the
// widest vector unit, read from /proc/cpuinfo where there is one.
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** The value of the first "key : value" line of /proc/cpuinfo with this key. */
function field(cpuinfo: string, key: string): string | undefined {
  return new RegExp(`^${key}\\s*:\\s*(.*)$`, 'm').exec(cpuinfo)?.[1]?.trim();
}

export function cpuName(): string {
  const model = cpus()[0]?.model?.trim() || 'unknown CPU';
  let cpuinfo: string;
  try {
    cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return model;
  }
  const flags = new Set((field(cpuinfo, 'flags') ?? '').split(/\s+/));
  const vector = flags.has('avx512f') ? 'AVX-512' : flags.has('avx2') ? 'AVX2' : flags.has('avx') ? 'AVX' : undefined;
  const family = field(cpuinfo, 'cpu family');
  const number = field(cpuinfo, 'model');
  const detail = [family && number ? `family ${family}, model ${number}` : undefined, vector].filter(Boolean).join('; ');
  return detail ? `${model} (${detail})` : model;
}
