// The packaging config keeps the Electron fuses that make the shipped binary hard to misuse (issue 12 #16):
// read from electron-builder.yml itself, as electron-builder will.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/grove-process';

const yml = readFileSync(join(repoRoot, 'electron-builder.yml'), 'utf8');

/** The `key: value` lines of one top-level block of the YAML file (the config's blocks are flat maps). */
function block(name: string): Record<string, string> {
  const lines = yml.split('\n');
  const start = lines.findIndex((l) => l === `${name}:`);
  if (start < 0) return {};
  const entries: Record<string, string> = {};
  for (const line of lines.slice(start + 1)) {
    if (line.trim().startsWith('#')) continue;
    const m = /^ {2}([A-Za-z]+): *(\S+)\s*$/.exec(line);
    if (!m) break;
    entries[m[1]!] = m[2]!;
  }
  return entries;
}

describe('electron-builder.yml', () => {
  it('flips the fuses: no run-as-Node, no NODE_OPTIONS, no --inspect, the app only from an integrity-checked asar', () => {
    expect(block('electronFuses')).toMatchObject({
      runAsNode: 'false',
      enableNodeOptionsEnvironmentVariable: 'false',
      enableNodeCliInspectArguments: 'false',
      enableEmbeddedAsarIntegrityValidation: 'true',
      onlyLoadAppFromAsar: 'true',
    });
  });

  it('has the app icon electron-builder needs (1024 px icon.png) and ships the window icon', () => {
    const size = (file: string) => {
      const png = readFileSync(join(repoRoot, file));
      expect(png.subarray(1, 4).toString('latin1'), file).toBe('PNG');
      return [png.readUInt32BE(16), png.readUInt32BE(20)];
    };
    expect(block('directories')).toMatchObject({ buildResources: 'resources' });
    expect(size('resources/icon.png')).toEqual([1024, 1024]);
    for (const n of [16, 32, 48, 64, 128, 256, 512]) expect(size(`resources/icons/${n}x${n}.png`)).toEqual([n, n]);
    expect(yml).toMatch(/^ {2}- resources\/icons\/512x512\.png$/m);
  });

  it('packs the app into an asar archive (which the asar fuses need)', () => {
    expect(yml).not.toMatch(/^asar:\s*false/m);
    expect(yml).not.toMatch(/disableIntegrity:\s*true/);
  });
});
