import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { describe, expect, it } from 'vitest';
import { cpuName } from '../../src/bench/cpu-name';

describe('cpuName', () => {
  it("starts with the OS's model name", () => {
    expect(cpuName().startsWith(cpus()[0]!.model.trim())).toBe(true);
  });

  it.runIf(process.platform === 'linux')('adds the family, model and widest vector unit from /proc/cpuinfo', () => {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const family = /^cpu family\s*:\s*(\d+)/m.exec(info)?.[1];
    const name = cpuName();
    if (family) expect(name).toContain(`family ${family}, model `);
    const flags = /^flags\s*:(.*)$/m.exec(info)?.[1] ?? '';
    if (/\bavx512f\b/.test(flags)) expect(name).toContain('AVX-512');
    else if (/\bavx2\b/.test(flags)) expect(name).toContain('AVX2');
  });
});
