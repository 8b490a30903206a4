// The PyTorch reference's interpreter and whether it runs here. The parity suites skip without it, saying so,
// on a developer's machine; in CI (CI set) a missing torch fails them instead: CI's own setup installs it
// (scripts/setup-test-deps.mjs), so a skip there would only hide that the reference checks never ran.
import { spawnSync } from 'node:child_process';

export const PYTHON = '/usr/bin/python3';
const available = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0;

/** Whether `what` can run against PyTorch: true where it can; false with a warning outside CI; in CI, an error. */
export function torchFor(what: string): boolean {
  if (available) return true;
  const reason = `${what}: ${PYTHON} cannot import torch and numpy (Debian: apt install python3-torch python3-numpy; scripts/setup-test-deps.mjs does)`;
  if (process.env.CI) throw new Error(`${reason}. CI must run the PyTorch parity checks, not skip them.`);
  console.warn(`SKIPPED ${reason}`);
  return false;
}
