// Export jobs: a model written as GGUF, a Hugging Face folder or ONNX; progress is parameters written of all.
import type { ExportJobPayload } from '../../export/job';
import { countedProgress, type JobKind } from './kind';

export const exportKind: JobKind = {
  label(job) {
    const payload = job.payload as Partial<ExportJobPayload>;
    return `Export “${payload.name ?? '?'}” as ${payload.format ?? '?'}`;
  },
  progress: countedProgress,
};
