// Every CLI command that gives a domain or model a name checks it with the API's rule before doing anything:
// traversal, separators, hidden, absolute and overlong names are refused with the same sentence.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, groveBin } from '../helpers/grove-process';
import { tempDir } from '../helpers/tmp';

const dir = tempDir();
const home = join(dir, 'home');
const folder = join(dir, 'docs');
beforeAll(() => {
  assertBuilt();
  mkdirSync(folder);
});

const grove = (...args: string[]) => spawnSync(process.execPath, [groveBin, '--home', home, ...args], { encoding: 'utf8' });

/** Each command with the place a name goes; NUL cannot pass through a command line, so names.test.ts covers it. */
const COMMANDS: { kind: 'domain' | 'model'; args: (name: string) => string[] }[] = [
  { kind: 'domain', args: (n) => ['ingest', folder, '--domain', n] },
  { kind: 'domain', args: (n) => ['add', folder, '--domain', n] },
  { kind: 'model', args: (n) => ['add', folder, '--domain', 'docs', '--name', n] },
  { kind: 'domain', args: (n) => ['init', '--domain', `${n}=${folder}`] },
  { kind: 'model', args: (n) => ['init', '--from', folder, '--seed-name', n] },
  { kind: 'domain', args: (n) => ['branch', '--domain', n] },
  { kind: 'model', args: (n) => ['branch', '--domain', 'docs', '--name', n] },
  { kind: 'model', args: (n) => ['collapse', '--name', n, '--uniform'] },
  { kind: 'model', args: (n) => ['import', '--from', folder, '--name', n] },
];
const NAMES = ['../x', '../../x', 'a/b', '..', '.hidden', join(dir, 'abs'), 'x'.repeat(65)];

describe('names on the command line', () => {
  it('are refused by every command that takes one, before anything is written', () => {
    // Every hostile name on the command that writes a folder; two per other command (each run starts a process).
    for (const [i, c] of COMMANDS.entries()) {
      for (const name of i === 0 ? NAMES : [NAMES[(2 * i) % NAMES.length]!, NAMES[(2 * i + 1) % NAMES.length]!]) {
        const r = grove(...c.args(name));
        const what = `grove ${c.args(name).join(' ')}`;
        expect(r.status, what).toBe(1);
        expect(r.stderr, what).toMatch(
          new RegExp(`^grove: ".*" cannot be a ${c.kind} name: (use letters, digits|it is 65 characters long)`, 'm'),
        );
      }
    }
    expect(existsSync(join(dir, 'x'))).toBe(false);
    expect(existsSync(join(dir, 'abs'))).toBe(false);
    expect(existsSync(join(home, 'domains'))).toBe(false);
  });
});
