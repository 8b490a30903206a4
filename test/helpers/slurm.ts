// A real one-node Slurm cluster for the Slurm backend's tests, started through scripts/slurm-cluster.mjs by the
// first test file that needs it (idempotent and locked, so files starting it at once share one cluster). No file
// stops it: test files run in parallel, and one file stopping "its" cluster took the controller away from another
// still using it (CI, 2026-12-05). test/helpers/slurm-teardown.ts stops it once the whole run is over, and only when the
// run started it. The tests skip, saying why, only where Slurm cannot run: its packages are
// missing, or this is not root (the daemons need it). In CI (CI set) either is an error instead: CI's setup
// installs slurm-wlm and munge as root (scripts/setup-test-deps.mjs), so a skip would hide that Slurm never ran.
// A cluster that is installed but does not start always fails the tests.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const SCRIPT = join(import.meta.dirname, '..', '..', 'scripts', 'slurm-cluster.mjs');
/** The configuration the script writes; every Slurm command of the tests reads it through SLURM_CONF. */
export const SLURM_CONF = '/var/tmp/grove-slurm/slurm.conf';
const TOOLS = ['/usr/sbin/slurmctld', '/usr/sbin/slurmd', '/usr/sbin/munged', '/usr/bin/sbatch'];

function unavailable(what: string, reason: string): undefined {
  const message = `${what}: ${reason}`;
  if (process.env.CI) throw new Error(`${message}. CI must run the Slurm tests against a real cluster, not skip them.`);
  console.warn(`SKIPPED ${message}`);
  return undefined;
}

export function cluster(command: 'start' | 'stop' | 'status'): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [SCRIPT, command], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}

/** Seconds the last start took (0 when the cluster was already up), for the overhead report. */
export let clusterStartSeconds = 0;

/**
 * The environment for Slurm commands against the running test cluster (SLURM_CONF set), starting it if need be;
 * undefined (with a warning) where Slurm cannot run here outside CI.
 */
export function slurmClusterFor(what: string): NodeJS.ProcessEnv | undefined {
  const missing = TOOLS.filter((t) => !existsSync(t));
  if (missing.length > 0)
    return unavailable(
      what,
      `Slurm is not installed (${missing.join(', ')} missing; as root: node scripts/setup-test-deps.mjs installs slurm-wlm and munge)`,
    );
  if (process.getuid?.() !== 0)
    return unavailable(what, 'starting the one-node Slurm cluster needs root (munged, slurmctld, slurmd); run the tests as root');
  const wasUp = cluster('status').status === 0;
  const t0 = performance.now();
  const started = cluster('start');
  if (started.status !== 0) throw new Error(`${what}: the one-node Slurm cluster did not start: ${started.output}`);
  clusterStartSeconds = wasUp ? 0 : (performance.now() - t0) / 1000;
  return { ...process.env, SLURM_CONF };
}
