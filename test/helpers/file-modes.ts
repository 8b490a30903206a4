// Runs a TypeScript script in a child process that file modes bind, also where the tests run as root (CI does).
// Root reads every file whatever its mode (CAP_DAC_OVERRIDE), so a test of "no permission to read" done in the
// test process passes as root without checking anything. The child drops the two capabilities that bypass
// file modes (setpriv, util-linux): it stays root, still owns the test's files, and is refused a mode-0 file.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const JITI = join(import.meta.dirname, '..', '..', 'node_modules', 'jiti', 'lib', 'jiti-cli.mjs');
const SETPRIV = '/usr/bin/setpriv';
const BYPASS = '-dac_override,-dac_read_search';

/** The script's stdout parsed as JSON; the child's stderr in the error where it exits non-zero. */
export function runBoundByFileModes<T>(script: string, args: readonly string[]): T {
  const node: [string, ...string[]] = [process.execPath, JITI, script, ...args];
  const asRoot = process.getuid?.() === 0;
  if (asRoot && !existsSync(SETPRIV))
    throw new Error(`running as root without ${SETPRIV} (Debian: util-linux): cannot drop the capabilities that let root read any file`);
  const [cmd, ...rest]: [string, ...string[]] = asRoot
    ? [SETPRIV, `--bounding-set=${BYPASS}`, `--inh-caps=${BYPASS}`, '--', ...node]
    : node;
  const r = spawnSync(cmd, rest, { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${script} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
