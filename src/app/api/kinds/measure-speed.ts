// Measure-speed jobs (app/store/measure-speed-job.ts), as the queue's owner shows them: the worker times the seed's
// train steps and keeps the speeds in the forest home itself; the estimates read them from there.
import type { MeasureSpeedPayload } from '../../store/measure-speed-job';
import { countedProgress, type JobKind } from './kind';

export const measureSpeedKind: JobKind = {
  label(job) {
    const kinds = (job.payload as MeasureSpeedPayload).kinds.map((k) => k.kind);
    return `Measure the training speed (${kinds.join(' and ')} expert${kinds.length > 1 ? 's' : ''})`;
  },
  progress: countedProgress,
};
