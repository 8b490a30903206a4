// Prior jobs (store/prior-job.ts): the estimated prior is written to the catalog's priors table.
import { forestOfModel } from '../../catalog/models';
import { savePrior, type PriorTarget } from '../../forest/prior-store';
import type { PriorJobPayload, PriorRecord } from '../../store/prior-job';
import { countedProgress, type JobKind } from './kind';

/** Stores a prior a worker estimated (prior jobs, collapse on a posterior, a branch's domain posterior). */
export function storePriorRecord(catalog: import('../../catalog/catalog').Catalog, record: PriorRecord): void {
  savePrior(catalog, {
    forestId: forestOfModel(catalog, record.modelIds[0]!),
    target: record.target as PriorTarget,
    modelIds: record.modelIds,
    weights: record.weights,
    sequences: record.sequences,
  });
}

export const priorKind: JobKind = {
  label: (job) => `Estimate the prior on ${(job.payload as PriorJobPayload).target}`,
  progress: countedProgress,
  onRecord: (_job, record, { catalog }) => storePriorRecord(catalog, record as PriorRecord),
};
