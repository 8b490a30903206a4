// Worker process entry (Node child process or Electron utilityProcess): runs one job and exits.
import { jobHandlers } from './job-handlers';
import { runWorker } from './job-worker-main';

runWorker(jobHandlers);
