// Evaluate jobs (store/evaluate-job.ts): each score lands in the evaluations table as it comes, and so
// does any cached prior the ensemble had to estimate. A baseline's comparison (kinds/baseline.ts) also asks
// for the verdict: judged from the stored scores once they are all in, and kept in the verdicts table.
import { forestOfDomain } from '../../catalog/domains';
import { insertEvaluation, listEvaluations } from '../../catalog/evaluations';
import { forestOfModel } from '../../catalog/models';
import { insertVerdict } from '../../catalog/verdicts';
import { judgeForest } from '../../../engine/forest/verdict';
import type { EvaluateJobPayload, EvaluationRecord } from '../../store/evaluate-job';
import type { PriorRecord } from '../../store/prior-job';
import { countedProgress, type JobKind } from './kind';
import type { VerdictRequest } from './baseline';
import { storePriorRecord } from './prior';

export const evaluateKind: JobKind = {
  label(job) {
    const p = job.payload as EvaluateJobPayload & { verdict?: VerdictRequest };
    if (p.verdict) return `Compare “${p.verdict.baseline}” with the forest on ${p.domains.length} domain(s)`;
    const ensembles = [p.ensemble ? 'the ensemble' : null, p.routed ? 'the cluster-routed ensemble' : null].filter(Boolean);
    return `Evaluate ${p.models.length} model(s)${ensembles.length > 0 ? ` and ${ensembles.join(' and ')}` : ''} on ${p.domains.length} domain(s)`;
  },
  progress: countedProgress,
  onRecord(_job, raw, { catalog }) {
    const record = raw as EvaluationRecord | PriorRecord;
    if (record.kind === 'prior') return storePriorRecord(catalog, record);
    insertEvaluation(catalog, forestOfDomain(catalog, record.domainId), record.spec, record.domainId, record.result);
  },
  onResult(job, _result, { catalog }) {
    const request = (job.payload as { verdict?: VerdictRequest }).verdict;
    if (!request) return;
    const forestId = forestOfModel(catalog, request.baselineId);
    insertVerdict(catalog, forestId, request.baselineId, judgeForest(listEvaluations(catalog, forestId), request));
  },
};
