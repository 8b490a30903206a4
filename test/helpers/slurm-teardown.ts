// Vitest global setup of the node project: notes whether the one-node Slurm cluster was up when the run began,
// and stops it when the run ends if the run's test files started it (test/helpers/slurm.ts starts it lazily, in
// the first file that needs it). A cluster someone started before the run is left running, as they left it.
import { cluster } from './slurm';

export default function setup(): () => void {
  const root = process.getuid?.() === 0;
  const wasUp = root && cluster('status').status === 0;
  return () => {
    if (root && !wasUp && cluster('status').status === 0) cluster('stop');
  };
}
