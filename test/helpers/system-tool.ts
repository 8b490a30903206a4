// Whether a system tool a suite checks against (PyTorch, openssl, ...) is here. On a developer's machine a
// missing tool skips its suite with a warning that says how to install it; in CI (CI set) it fails the suite:
// CI's own setup installs every such tool (scripts/setup-test-deps.mjs), so a skip there would only hide that
// the check never ran.
import { spawnSync } from 'node:child_process';

/** True where `probe` exits 0; false with a warning outside CI; in CI, an error naming what to install. */
export function systemToolFor(what: string, probe: readonly [string, ...string[]], missing: string): boolean {
  const [cmd, ...args] = probe;
  if (spawnSync(cmd, args, { stdio: 'ignore' }).status === 0) return true;
  const reason = `${what}: ${missing}`;
  if (process.env.CI) throw new Error(`${reason}. CI must run this check, not skip it.`);
  console.warn(`SKIPPED ${reason}`);
  return false;
}
