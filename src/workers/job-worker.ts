// Worker process entry (Node child process or Electron utilityProcess): runs one job and exits.
import { jobHandlers } from '../engine/jobs/handlers';
import { runWorker } from '../engine/jobs/worker-main';

runWorker(jobHandlers);
