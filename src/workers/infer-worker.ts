// Inference worker entry (Node child process or Electron utilityProcess): holds models open for chat.
import { runInferenceWorker } from './infer-worker-main';

runInferenceWorker();
