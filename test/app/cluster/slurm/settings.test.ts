// The Slurm settings' checks beyond each field's shape: a further sbatch option that would override one Grove
// writes itself (the job array, its log, its requeue, or a setting of its own), written out or abbreviated as
// sbatch allows, is refused saying why and what to use instead; an option with a space (a second option on the
// #SBATCH line) too; each refusal names the option by its place counted from 1. Grove on the nodes is an
// absolute path, and kept.
import { describe, expect, it } from 'vitest';
import { extraOptionProblem, parseSlurmSettings } from '../../../../src/app/cluster/slurm/settings';

function refusal(extraOptions: string[], more: Record<string, unknown> = {}): string {
  try {
    parseSlurmSettings({ sharedDir: '/shared', extraOptions, ...more });
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(extraOptions)}`);
}

describe('Slurm settings: further sbatch options and Grove on the nodes', () => {
  it('keeps options Grove does not write itself', () => {
    const settings = parseSlurmSettings({
      sharedDir: '/shared',
      extraOptions: ['--qos=high', '--constraint=a100', '--exclusive', '--mem-per-cpu=2G', '--gpus-per-task=1', '--time-min=30'],
    });
    expect(settings.extraOptions).toHaveLength(6);
    for (const option of settings.extraOptions) expect(extraOptionProblem(option)).toBeNull();
  });

  it("refuses Grove's own options, written out or abbreviated, saying why and by their place", () => {
    expect(refusal(['--qos=high', '--array=0-3'])).toMatch(
      /^Slurm settings are not valid: extraOptions 2: --array is Grove's own sbatch option --array \(Grove makes the job array, one task per expert\)\.$/,
    );
    expect(refusal(['--arr=0-3'])).toMatch(/extraOptions 1: --arr is Grove's own sbatch option --array/);
    expect(refusal(['--output=/tmp/x'])).toMatch(/--output \(Grove writes the output into the shared folder, where it reads the log\)/);
    expect(refusal(['--no-requeue'])).toMatch(/--no-requeue \(Grove needs a task whose node died to run again\)/);
    expect(refusal(['--partition=gpu'])).toMatch(/--partition \(use the Partition setting\)/);
    expect(refusal(['--time=10'])).toMatch(/--time \(use the Time limit setting\)/);
    expect(refusal(['--gres=gpu:1'])).toMatch(/use the GPUs per job setting/);
  });

  it('refuses what is not one long option without spaces', () => {
    expect(refusal(['-p gpu'])).toMatch(/extraOptions 1: "-p gpu" is not one long sbatch option such as --qos=high, without spaces/);
    expect(refusal(['--qos=high --array=0-9'])).toMatch(/is not one long sbatch option/);
    expect(refusal(['--qos=a\n#SBATCH --uid=0'])).toMatch(/is not one long sbatch option/);
  });

  it('keeps Grove on the nodes as an absolute path, and refuses a relative one', () => {
    expect(parseSlurmSettings({ sharedDir: '/shared', groveDir: '/opt/grove' }).groveDir).toBe('/opt/grove');
    expect(parseSlurmSettings({ sharedDir: '/shared' }).groveDir).toBeUndefined();
    expect(refusal([], { groveDir: 'opt/grove' })).toMatch(/groveDir: an absolute path on the compute nodes/);
  });
});
