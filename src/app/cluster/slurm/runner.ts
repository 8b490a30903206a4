// The one place Grove runs Slurm's commands (sbatch, squeue, scancel, scontrol): argument arrays through
// execFile, never a shell string, so nothing a user typed is interpreted by a shell. Turns the two failures a
// user can act on into clear GroveErrors: the command is not installed, or the controller cannot be reached.
import { execFile } from 'node:child_process';
import { GroveError } from '../../../shared/api/errors';

export type SlurmCommand = 'sbatch' | 'squeue' | 'scancel' | 'scontrol';

/** Where the Slurm commands are looked up and which configuration they read (SLURM_CONF); the process's own by default. */
export interface SlurmEnvironment {
  env?: NodeJS.ProcessEnv;
}

const UNREACHABLE =
  /Unable to contact slurm controller|Socket timed out|Connection refused|Zero Bytes were transmitted|Unable to establish controller/i;
const NO_CONFIG = /Could not establish a configuration source|Unable to process configuration file/i;

/** Runs one Slurm command and resolves with its stdout; rejects with a GroveError saying what to do. */
export function runSlurm(command: SlurmCommand, args: readonly string[], where: SlurmEnvironment = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { env: where.env ?? process.env, encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
          return reject(
            new GroveError(
              'unsupported',
              `\`${command}\` is not installed on this machine: Grove submits to Slurm through its client commands. Install Slurm's client (Debian: apt install slurm-client, with munge and the cluster's slurm.conf and munge key), or train on this computer.`,
            ),
          );
        }
        const said = stderr.trim() || err.message;
        if (NO_CONFIG.test(said)) {
          return reject(
            new GroveError(
              'unsupported',
              `\`${command}\` found no Slurm configuration: set SLURM_CONF to the cluster's slurm.conf or install it in /etc/slurm. Slurm said: ${said}`,
            ),
          );
        }
        if (UNREACHABLE.test(said)) {
          return reject(
            new GroveError(
              'unsupported',
              `The Slurm controller cannot be reached: check that slurmctld runs and that this machine's slurm.conf and munge key are the cluster's (\`sinfo\` should list the nodes). Slurm said: ${said}`,
            ),
          );
        }
        reject(new GroveError('internal', `\`${command} ${args.join(' ')}\` failed: ${said}`));
      },
    );
  });
}
