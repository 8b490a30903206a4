#!/usr/bin/env node
// A real one-node Slurm cluster on localhost, for the Slurm backend's tests and CI (issue 19): a generated
// MUNGE key, munged, a slurm.conf written for this machine (its CPUs and memory from `slurmd -C`, no cgroups,
// no slurmdbd), slurmctld and slurmd as daemons. `start` waits until `sinfo` shows the node idle; `stop` ends
// the daemons this script started and removes their state; `status` says which are up. Idempotent: start on
// a running cluster and stop on a stopped one do nothing. Requires root (the daemons run as root here, and
// munged's key must belong to the munge user); slurm-wlm and munge come from scripts/setup-test-deps.mjs.
//
// No slurmdbd: Slurm 22.05 keeps accounting only through slurmdbd (the filetxt storage is gone), so `sacct`
// has nothing to read here; Grove's backend reads job states from `squeue` and `scontrol show job`, and
// MinJobAge keeps finished jobs in the controller's memory for an hour so their final state stays visible.
//
// `start` and `stop` hold a lock (a directory beside the state, holding the holder's pid; a dead holder's lock
// is taken over) so that two test files starting the cluster at once, or one stopping it while another starts
// it, never run their daemon commands interleaved.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

const BASE = process.env.GROVE_SLURM_DIR ?? '/var/tmp/grove-slurm';
const CONF = join(BASE, 'slurm.conf');
const MUNGE_DIR = join(BASE, 'munge');
const MUNGE_KEY = join(MUNGE_DIR, 'munge.key');
const MUNGE_SOCKET = join(MUNGE_DIR, 'munge.socket');
const PIDS = { munged: join(MUNGE_DIR, 'munged.pid'), slurmctld: join(BASE, 'slurmctld.pid'), slurmd: join(BASE, 'slurmd.pid') };
const LOCK = `${BASE}.lock`;
/** Every Slurm command reads this cluster's configuration through SLURM_CONF (the backend's tests set it too). */
const env = { ...process.env, SLURM_CONF: CONF };

function fail(message) {
  console.error(`slurm-cluster: ${message}`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  return spawnSync(cmd, args, { encoding: 'utf8', env, ...opts });
}

function pidAlive(file) {
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/** Runs `body` holding the cluster's lock, waiting up to two minutes for another holder to finish. */
async function withLock(body) {
  const until = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      // A holder that died (fail() exits without the finally below) leaves its pid behind; one that has only
      // just made the directory has not written it yet, and is waited for.
      const holder = join(LOCK, 'pid');
      if (existsSync(holder) && !pidAlive(holder)) rmSync(LOCK, { recursive: true, force: true });
      else if (Date.now() > until) fail(`another start or stop has held ${LOCK} for two minutes`);
      else await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await body();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

function requireRootAndTools() {
  if (process.getuid?.() !== 0) fail('requires root (it starts munged, slurmctld and slurmd as system daemons); run it with sudo.');
  for (const tool of ['/usr/sbin/munged', '/usr/sbin/slurmctld', '/usr/sbin/slurmd', '/usr/bin/sbatch', '/usr/bin/sinfo']) {
    if (!existsSync(tool)) fail(`${tool} is missing; install slurm-wlm and munge (node scripts/setup-test-deps.mjs does, on Debian).`);
  }
}

/** This machine's NodeName line from `slurmd -C` ("NodeName=host CPUs=2 ... RealMemory=24105"), renamed localhost. */
function nodeLine() {
  const r = run('/usr/sbin/slurmd', ['-C']);
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('NodeName='));
  if (r.status !== 0 || !line) fail(`slurmd -C could not describe this machine: ${r.stderr}`);
  const fields = Object.fromEntries(
    line
      .split(/\s+/)
      .filter(Boolean)
      .map((kv) => kv.split('=')),
  );
  // Leave a little memory to the system so a job asking for the whole node is not refused for the rounding.
  const memory = Math.max(256, Math.floor(Number(fields.RealMemory) * 0.95));
  return `NodeName=localhost NodeAddr=127.0.0.1 CPUs=${fields.CPUs} Boards=${fields.Boards ?? 1} SocketsPerBoard=${fields.SocketsPerBoard} CoresPerSocket=${fields.CoresPerSocket} ThreadsPerCore=${fields.ThreadsPerCore} RealMemory=${memory} State=UNKNOWN`;
}

function writeConfig() {
  mkdirSync(join(BASE, 'state'), { recursive: true });
  mkdirSync(join(BASE, 'spool'), { recursive: true });
  mkdirSync(join(BASE, 'log'), { recursive: true });
  const conf = [
    '# Written by scripts/slurm-cluster.mjs: a one-node test cluster on localhost.',
    'ClusterName=grove-test',
    'SlurmctldHost=localhost(127.0.0.1)',
    'SlurmUser=root',
    'SlurmdUser=root',
    'SlurmctldPort=6817',
    'SlurmdPort=6818',
    'AuthType=auth/munge',
    // cred_expire also sets how long a requeued job waits before it may start again (BeginTime = requeue + cred_expire
    // + 1 s): 120 s by default, 10 s here, so the tests of a node that dies mid-job see the requeued task run promptly.
    `AuthInfo=socket=${MUNGE_SOCKET},cred_expire=10`,
    'CryptoType=crypto/munge',
    `StateSaveLocation=${join(BASE, 'state')}`,
    `SlurmdSpoolDir=${join(BASE, 'spool')}`,
    `SlurmctldPidFile=${PIDS.slurmctld}`,
    `SlurmdPidFile=${PIDS.slurmd}`,
    `SlurmctldLogFile=${join(BASE, 'log', 'slurmctld.log')}`,
    `SlurmdLogFile=${join(BASE, 'log', 'slurmd.log')}`,
    // No cgroups: processes are tracked through /proc, tasks are not confined.
    'ProctrackType=proctrack/linuxproc',
    'TaskPlugin=task/none',
    'JobAcctGatherType=jobacct_gather/none',
    'AccountingStorageType=accounting_storage/none',
    'JobCompType=jobcomp/none',
    'SchedulerType=sched/backfill',
    'SelectType=select/cons_tres',
    'SelectTypeParameters=CR_Core_Memory',
    // A job that names no memory gets a little per CPU, not the whole node, so array tasks run side by side.
    'DefMemPerCPU=512',
    'ReturnToService=2',
    // Finished jobs stay visible to scontrol for an hour (there is no sacct without slurmdbd).
    'MinJobAge=3600',
    'MpiDefault=none',
    'SwitchType=switch/none',
    'SchedulerParameters=sched_interval=2',
    'SlurmctldTimeout=30',
    'SlurmdTimeout=60',
    'InactiveLimit=0',
    'KillWait=5',
    'Waittime=0',
    nodeLine(),
    'PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO',
    '',
  ].join('\n');
  writeFileSync(CONF, conf);
}

function mungeUser() {
  const r = run('id', ['-u', 'munge']);
  const g = run('id', ['-g', 'munge']);
  if (r.status !== 0) fail('the munge user is missing; install the munge package (node scripts/setup-test-deps.mjs).');
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

function startMunge() {
  if (pidAlive(PIDS.munged)) return;
  const { uid, gid } = mungeUser();
  mkdirSync(MUNGE_DIR, { recursive: true });
  chownSync(MUNGE_DIR, uid, gid);
  chmodSync(MUNGE_DIR, 0o700);
  if (!existsSync(MUNGE_KEY)) writeFileSync(MUNGE_KEY, randomBytes(1024));
  chownSync(MUNGE_KEY, uid, gid);
  chmodSync(MUNGE_KEY, 0o400);
  rmSync(MUNGE_SOCKET, { force: true });
  const r = run(
    '/usr/sbin/munged',
    [
      '--key-file',
      MUNGE_KEY,
      '--socket',
      MUNGE_SOCKET,
      '--pid-file',
      PIDS.munged,
      '--log-file',
      join(MUNGE_DIR, 'munged.log'),
      '--seed-file',
      join(MUNGE_DIR, 'munged.seed'),
      '--force',
    ],
    { uid, gid },
  );
  if (r.status !== 0) fail(`munged did not start: ${r.stderr}`);
}

function startDaemon(name) {
  if (pidAlive(PIDS[name])) return;
  const r = run(`/usr/sbin/${name}`, ['-f', CONF]);
  if (r.status !== 0) fail(`${name} did not start (exit ${r.status}): ${r.stderr}\nsee ${join(BASE, 'log', `${name}.log`)}`);
}

function nodeState() {
  const r = run('/usr/bin/sinfo', ['-h', '-N', '-n', 'localhost', '-o', '%T']);
  return r.status === 0 ? r.stdout.trim() : '';
}

async function waitIdle(timeoutMs) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const state = nodeState();
    if (/^(idle|mixed|allocated)/.test(state)) return state;
    if (/^(down|drain)/.test(state)) run('/usr/bin/scontrol', ['update', 'NodeName=localhost', 'State=RESUME']);
    if (Date.now() > until) fail(`the node is not idle after ${timeoutMs / 1000} s (state "${state}"); see ${join(BASE, 'log')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function start() {
  requireRootAndTools();
  const t0 = Date.now();
  if (!existsSync(CONF) || !pidAlive(PIDS.slurmctld)) writeConfig();
  startMunge();
  startDaemon('slurmctld');
  startDaemon('slurmd');
  const state = await waitIdle(60_000);
  console.log(`slurm-cluster: up (node localhost ${state}) in ${((Date.now() - t0) / 1000).toFixed(1)} s; SLURM_CONF=${CONF}`);
}

async function stopPid(name) {
  const pid = pidAlive(PIDS[name]);
  if (!pid) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && pidAlive(PIDS[name]); i++) await new Promise((r) => setTimeout(r, 100));
  if (pidAlive(PIDS[name])) process.kill(pid, 'SIGKILL');
}

async function stop() {
  if (process.getuid?.() !== 0) fail('requires root (it stops the daemons it started as root); run it with sudo.');
  if (pidAlive(PIDS.slurmctld)) run('/usr/bin/scancel', ['--full', '--quiet', '-u', 'root']);
  await stopPid('slurmd');
  await stopPid('slurmctld');
  await stopPid('munged');
  rmSync(BASE, { recursive: true, force: true });
  console.log('slurm-cluster: stopped, state removed.');
}

function status() {
  const up = Object.keys(PIDS).map((name) => `${name} ${pidAlive(PIDS[name]) ? `up (pid ${pidAlive(PIDS[name])})` : 'down'}`);
  const node = pidAlive(PIDS.slurmctld) ? `; node localhost ${nodeState() || 'unknown'}` : '';
  console.log(`slurm-cluster: ${up.join(', ')}${node}; SLURM_CONF=${CONF}`);
  process.exit(pidAlive(PIDS.slurmctld) && pidAlive(PIDS.slurmd) ? 0 : 3);
}

const command = process.argv[2];
if (command === 'start') await withLock(start);
else if (command === 'stop') await withLock(stop);
else if (command === 'status') status();
else fail('usage: node scripts/slurm-cluster.mjs start|stop|status (SLURM_CONF for clients: /var/tmp/grove-slurm/slurm.conf)');
