// The Slurm settings reach the batch script: each option as its #SBATCH line (GPUs as a gres line, checked in
// the text since the test cluster has none), a job array for several directories, and a quoted command that
// the shell reads back exactly. No cluster needed: bash itself runs the script's body.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSlurmSettings, sbatchScript, slurmBackend } from '../../../../src/app/cluster/slurm';
import { GroveError } from '../../../../src/shared/api/errors';
import { tempDir } from '../../../helpers/tmp';

describe('Slurm settings and batch script', () => {
  it('writes every setting as its #SBATCH line, GPUs as --gres=gpu:N', () => {
    const settings = parseSlurmSettings({
      partition: 'gpu-a100',
      account: 'lab_7',
      timeLimit: '1-12:00:00',
      gpusPerJob: 2,
      cpusPerTask: 8,
      memory: '64G',
      sharedDir: '/shared/grove',
      extraOptions: ['--qos=high', '--constraint=a100'],
    });
    const script = sbatchScript(settings, { name: 'expert-law', command: ['grove', 'bundle', 'run'], dirs: ['/shared/grove/bundles/law'] });
    const lines = script.split('\n').filter((l) => l.startsWith('#SBATCH '));
    expect(lines).toEqual([
      '#SBATCH --job-name=expert-law',
      '#SBATCH --output=/shared/grove/slurm-jobs/slurm-%j.out',
      '#SBATCH --open-mode=append',
      '#SBATCH --requeue',
      '#SBATCH --nodes=1',
      '#SBATCH --ntasks=1',
      '#SBATCH --cpus-per-task=8',
      '#SBATCH --partition=gpu-a100',
      '#SBATCH --account=lab_7',
      '#SBATCH --time=1-12:00:00',
      '#SBATCH --mem=64G',
      '#SBATCH --gres=gpu:2',
      '#SBATCH --qos=high',
      '#SBATCH --constraint=a100',
    ]);
    expect(script).not.toContain('--array');
  });

  it('asks for no GPU, partition or time limit it was not given; several dirs make a job array', () => {
    const settings = parseSlurmSettings({ sharedDir: '/shared' });
    const script = sbatchScript(settings, { name: 'two', command: ['true'], dirs: ['/shared/a', '/shared/b', '/shared/c'] });
    expect(script).toContain('#SBATCH --array=0-2\n');
    expect(script).not.toMatch(/--gres|--partition|--time|--account|--mem/);
  });

  it('refuses settings that would inject options or are malformed, naming each field', () => {
    const bad = () =>
      parseSlurmSettings({
        partition: 'debug --uid=0',
        timeLimit: 'soon',
        sharedDir: 'relative/path',
        gpusPerJob: -1,
        extraOptions: ['--qos=a\n#SBATCH --uid=0'],
      });
    expect(bad).toThrow(GroveError);
    try {
      bad();
    } catch (err) {
      const message = (err as GroveError).message;
      for (const field of ['partition', 'timeLimit', 'sharedDir', 'gpusPerJob', 'extraOptions']) expect(message).toContain(field);
    }
    expect(() => parseSlurmSettings({ sharedDir: '/s', unknown: 1 })).toThrow(GroveError);
  });

  it("runs the command in the task's own directory, with its arguments read back exactly by the shell", () => {
    const root = tempDir('grove-slurm-script-');
    const dirs = ["with space and 'quote'", 'plain'].map((name) => join(root, name));
    for (const d of dirs) mkdirSync(d);
    const settings = parseSlurmSettings({ sharedDir: root });
    const script = sbatchScript(settings, {
      name: 'quoting',
      command: ['/bin/sh', '-c', 'printf "%s|%s|%s" "$0" "$PWD" "$1" > out.txt', "arg $(touch pwned) 'x'"],
      dirs,
    });
    const path = join(root, 'job.sh');
    writeFileSync(path, script);
    for (const [task, dir] of dirs.entries()) {
      const r = spawnSync('/bin/bash', [path], {
        env: { ...process.env, SLURM_ARRAY_TASK_ID: String(task), SLURM_JOB_ID: '1' },
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      expect(spawnSync('cat', [join(dir, 'out.txt')], { encoding: 'utf8' }).stdout).toBe(`arg $(touch pwned) 'x'|${dir}|${dir}`);
    }
    expect(spawnSync('ls', [root, ...dirs], { encoding: 'utf8' }).stdout).not.toContain('pwned');
  });

  it('says what to install when sbatch is not on this machine', async () => {
    const shared = tempDir('grove-slurm-none-');
    const backend = slurmBackend({ sharedDir: shared }, { env: { PATH: join(shared, 'no-bin') } });
    const error = await backend.submit({ name: 'nowhere', command: ['true'], dirs: [shared] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GroveError);
    expect(error).toMatchObject({ code: 'unsupported' });
    expect((error as GroveError).message).toMatch(/`sbatch` is not installed.*slurm-client/);
  });
});
