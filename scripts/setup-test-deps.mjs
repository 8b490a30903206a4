// Installs the system packages the test suite needs, from Debian's repositories: Chromium (UI tests
// through Playwright, no browser download), PyTorch (independent reference for parity tests), OpenBLAS and
// jemalloc (so PyTorch comparisons in benchmarks are fair: src/bench/torch-baseline.ts), a font for
// screenshots, openssl (certificates for the HTTPS tests), setpriv (util-linux: file-permission tests drop
// root's override of file modes in a child) and Slurm with MUNGE (`slurm-wlm`, `munge`: the Slurm backend's
// tests start a real one-node cluster with scripts/slurm-cluster.mjs). Idempotent: it only installs what is
// missing, and says exactly what to run where it cannot (not root, no sudo, not Debian).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const checks = [
  { pkg: 'chromium', present: () => existsSync('/usr/bin/chromium') },
  { pkg: 'python3-torch', present: () => spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0 },
  { pkg: 'libopenblas0-openmp', present: () => existsSync('/usr/lib/x86_64-linux-gnu/openblas-openmp') || process.arch !== 'x64' },
  { pkg: 'libjemalloc2', present: () => existsSync('/usr/lib/x86_64-linux-gnu/libjemalloc.so.2') || process.arch !== 'x64' },
  { pkg: 'fonts-dejavu-core', present: () => existsSync('/usr/share/fonts/truetype/dejavu') },
  { pkg: 'openssl', present: () => spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0 },
  { pkg: 'util-linux', present: () => existsSync('/usr/bin/setpriv') },
  { pkg: 'slurm-wlm', present: () => existsSync('/usr/sbin/slurmctld') && existsSync('/usr/sbin/slurmd') && existsSync('/usr/bin/sbatch') },
  { pkg: 'munge', present: () => existsSync('/usr/sbin/munged') },
];

const missing = checks.filter((c) => !c.present()).map((c) => c.pkg);
if (missing.length === 0) {
  console.log(
    'setup-test-deps: system packages present (chromium, python3-torch, openblas, jemalloc, fonts, openssl, setpriv, slurm-wlm, munge).',
  );
  process.exit(0);
}
if (!existsSync('/usr/bin/apt-get')) {
  console.error(
    `setup-test-deps: missing ${missing.join(', ')} and this is not a Debian/Ubuntu system; install their equivalents by hand.`,
  );
  process.exit(1);
}
const isRoot = process.getuid?.() === 0;
const sudo = isRoot ? [] : ['sudo', '-n'];
if (!isRoot && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status !== 0) {
  console.error(`setup-test-deps: missing ${missing.join(', ')}; run: sudo apt-get install -y ${missing.join(' ')}`);
  process.exit(1);
}
console.log(`setup-test-deps: installing ${missing.join(', ')} with apt-get (a few minutes the first time)...`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
const run = (args) => {
  const [cmd, ...rest] = [...sudo, ...args];
  const r = spawnSync(cmd, rest, { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (r.status !== 0) {
    console.error(`setup-test-deps: \`${args.join(' ')}\` failed (exit ${r.status}).`);
    process.exit(1);
  }
};
run(['apt-get', 'update', '-qq']);
run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...missing]);
const still = checks.filter((c) => !c.present()).map((c) => c.pkg);
if (still.length > 0) {
  console.error(`setup-test-deps: still missing after install: ${still.join(', ')}`);
  process.exit(1);
}
console.log('setup-test-deps: done.');
