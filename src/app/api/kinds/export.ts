// Export jobs: a model written as GGUF, a Hugging Face folder, ONNX or a PEFT adapter; progress is parameters
// written of all (for a light expert written as a full model, its merge into the base and the writing).
import type { ExportJobPayload } from '../../../engine/export/job';
import type { ExportProgress } from '../../../engine/export/progress';
import { countedProgress, type JobKind } from './kind';

const PHASES: Record<NonNullable<ExportProgress['phase']>, string> = { merge: 'Folding the adapter into its base', write: 'Writing' };

export const exportKind: JobKind = {
  label(job) {
    const payload = job.payload as Partial<ExportJobPayload>;
    return `Export “${payload.name ?? '?'}” as ${payload.format ?? '?'}`;
  },
  progress(job) {
    const phase = (job.progress as Partial<ExportProgress> | null)?.phase;
    return { ...countedProgress(job), ...(phase && job.status === 'running' ? { phase: PHASES[phase] } : {}) };
  },
};
