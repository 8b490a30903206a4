// Collapse-trial jobs (store/collapse-trial-job.ts): the perplexity of each merge method on the target is stored
// by the job's id for the app and `grove collapse --try-methods` to read; a prior estimated on the way is cached.
import { forestOfModel } from '../../catalog/models';
import { insertCollapseTrial } from '../../catalog/collapse-trials';
import type { CollapseTrialJobPayload, CollapseTrialRecord } from '../../store/collapse-trial-job';
import type { PriorRecord } from '../../store/prior-job';
import { countedProgress, type JobKind } from './kind';
import { storePriorRecord } from './prior';

export const collapseTrialKind: JobKind = {
  label(job) {
    const p = job.payload as CollapseTrialJobPayload;
    return `Try ${p.methods.length} merge methods on “${p.target}”`;
  },
  progress: countedProgress,
  onRecord(job, raw, { catalog }) {
    const record = raw as CollapseTrialRecord | PriorRecord;
    if (record.kind === 'prior') return storePriorRecord(catalog, record);
    const forestId = forestOfModel(catalog, (job.payload as CollapseTrialJobPayload).models[0]!.id);
    insertCollapseTrial(catalog, forestId, { ...record.trial, jobId: job.id });
  },
};
