// Evaluate jobs (store/evaluate-job.ts): each score lands in the evaluations table as it comes, and so
// does any cached prior the ensemble had to estimate.
import { forestOfDomain } from '../../catalog/domains';
import { insertEvaluation } from '../../catalog/evaluations';
import type { EvaluateJobPayload, EvaluationRecord } from '../../store/evaluate-job';
import type { PriorRecord } from '../../store/prior-job';
import { countedProgress, type JobKind } from './kind';
import { storePriorRecord } from './prior';

export const evaluateKind: JobKind = {
  label(job) {
    const p = job.payload as EvaluateJobPayload;
    return `Evaluate ${p.models.length} model(s)${p.ensemble ? ' and the ensemble' : ''} on ${p.domains.length} domain(s)`;
  },
  progress: countedProgress,
  onRecord(_job, raw, { catalog }) {
    const record = raw as EvaluationRecord | PriorRecord;
    if (record.kind === 'prior') return storePriorRecord(catalog, record);
    insertEvaluation(catalog, forestOfDomain(catalog, record.domainId), record.spec, record.domainId, record.result);
  },
};
