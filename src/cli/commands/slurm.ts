// `grove slurm config [--shared-dir DIR --partition P ...] [--train-on local|slurm]`: the forest's Slurm settings
// (the sbatch options of every job, the folder both sides see) and where new experts train by default; without
// options it prints them. The app's Settings panel sets the same (clusterSettings / setClusterSettings).
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { GroveService } from '../../app/api/service';
import type { ClusterSettingsView, SlurmFields } from '../../shared/api/schemas-cluster';
import { GroveError } from '../../shared/api/errors';
import { forestHomeOf } from '../options';

interface ConfigOpts {
  sharedDir?: string;
  partition?: string;
  account?: string;
  timeLimit?: string;
  gpus?: number;
  cpus?: number;
  memory?: string;
  sbatch?: string[];
  groveDir?: string;
  trainOn?: string;
}

function print(view: ClusterSettingsView): void {
  console.log(`train on: ${view.trainOn === 'slurm' ? 'Slurm cluster' : 'this computer'}`);
  if (!view.slurm) return console.log('slurm: not configured (`grove slurm config --shared-dir DIR ...`)');
  const s = view.slurm;
  console.log(`shared folder: ${s.sharedDir}`);
  console.log(`partition: ${s.partition ?? '(the cluster default)'}`);
  console.log(`account: ${s.account ?? '(none)'}`);
  console.log(`time limit: ${s.timeLimit ?? '(the partition default)'}`);
  console.log(`GPUs per job: ${s.gpusPerJob ?? 0}`);
  console.log(`CPUs per task: ${s.cpusPerTask ?? 1}`);
  console.log(`memory: ${s.memory ?? '(the cluster default)'}`);
  if (s.extraOptions?.length) console.log(`sbatch options: ${s.extraOptions.join(' ')}`);
  console.log(`Grove on the nodes: ${s.groveDir ?? "(this Grove's own path)"}`);
}

export function registerSlurm(program: Command): void {
  const slurm = program.command('slurm').description('train experts as jobs of a Slurm cluster (docs/slurm.md)');
  slurm
    .command('config')
    .description("show or set the forest's Slurm settings and where new experts train")
    .option('--shared-dir <dir>', 'a folder this machine and the compute nodes see at the same path (bundles, scripts, logs)')
    .option('--partition <name>', 'the partition jobs go to')
    .option('--account <name>', 'the account charged')
    .option('--time-limit <time>', 'wall-clock limit per job: minutes, HH:MM:SS, D-HH:MM:SS')
    .option('--gpus <n>', 'GPUs per job', (v) => Number(v))
    .option('--cpus <n>', 'CPUs per task', (v) => Number(v))
    .option('--memory <size>', 'memory per node (16G, 4000M)')
    .option('--sbatch <option>', 'a further sbatch long option (--qos=high); repeat for more', (v: string, all: string[] = []) => [
      ...all,
      v,
    ])
    .option(
      '--grove-dir <dir>',
      "where Grove is installed on the compute nodes, when not at this Grove's own path (absolute; '' for this one's)",
    )
    .option('--train-on <where>', 'where new experts train by default: local or slurm')
    .action(async (o: ConfigOpts, cmd: Command) => {
      const service = new GroveService({ forestHome: forestHomeOf(cmd), transport: 'http' });
      try {
        const current = await service.clusterSettings({});
        const fields: Partial<SlurmFields> = {
          ...(o.sharedDir !== undefined ? { sharedDir: resolve(o.sharedDir) } : {}),
          ...(o.partition !== undefined ? { partition: o.partition } : {}),
          ...(o.account !== undefined ? { account: o.account } : {}),
          ...(o.timeLimit !== undefined ? { timeLimit: o.timeLimit } : {}),
          ...(o.gpus !== undefined ? { gpusPerJob: o.gpus } : {}),
          ...(o.cpus !== undefined ? { cpusPerTask: o.cpus } : {}),
          ...(o.memory !== undefined ? { memory: o.memory } : {}),
          ...(o.sbatch !== undefined ? { extraOptions: o.sbatch } : {}),
          // --grove-dir '' goes back to this Grove's own path.
          ...(o.groveDir !== undefined ? { groveDir: o.groveDir || undefined } : {}),
        };
        if (o.trainOn !== undefined && o.trainOn !== 'local' && o.trainOn !== 'slurm')
          throw new GroveError('bad_input', `--train-on is local or slurm, not ${JSON.stringify(o.trainOn)}.`);
        if (Object.keys(fields).length === 0 && o.trainOn === undefined) return print(current);
        const merged = Object.keys(fields).length > 0 ? { ...(current.slurm ?? {}), ...fields } : current.slurm;
        if (merged && !merged.sharedDir)
          throw new GroveError(
            'bad_input',
            'The Slurm settings need the shared folder: --shared-dir DIR (a folder this machine and the nodes see at the same path).',
          );
        const view = await service.setClusterSettings({
          trainOn: (o.trainOn as 'local' | 'slurm' | undefined) ?? current.trainOn,
          slurm: merged ? (merged as SlurmFields) : null,
        });
        print(view);
      } finally {
        service.close();
      }
    });
}
