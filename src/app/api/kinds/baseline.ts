// Baseline jobs (api/baseline-plan.ts): the dense model's training is an expert job without a branch, shown and
// recorded as one (progress, loss curve, trained weights). When its trained weights land, the same transaction
// queues its evaluation beside the forest on every domain (the baseline, the newest collapsed model, the experts'
// ensemble, or the one expert), so no kill between the two loses it; a resumed job that sends its weights again
// queues nothing twice. That evaluation's owner then stores the verdict (kinds/evaluate.ts).
import { modelById, newestReadyOfRole } from '../../catalog/models';
import type { ExpertRecord } from '../../store/expert-job';
import type { EvaluateJobPayload } from '../../store/evaluate-job';
import { forestExperts } from '../../forest/experts';
import type { BaselineJobPayload } from '../baseline-plan';
import { planEvaluation } from '../evaluation-plan';
import { storedRef } from '../expert-plan';
import { expertKind } from './expert';
import type { JobKind, JobOwnerContext } from './kind';

/** What the evaluation's owner needs to judge the forest once every score is in (kinds/evaluate.ts). */
export interface VerdictRequest {
  baselineId: number;
  baseline: string;
  experts: string[];
  expertDomains: string[];
  collapsed: string | null;
  trainingTokens: number;
}

/** The evaluation of the trained baseline beside the forest as it is now, on every ingested domain. */
function comparison(p: BaselineJobPayload, ctx: JobOwnerContext): EvaluateJobPayload & { verdict: VerdictRequest } {
  const { catalog } = ctx;
  const forestId = catalog.forest()!.id;
  const experts = forestExperts(catalog, forestId);
  const collapsed = newestReadyOfRole(catalog, forestId, 'collapsed');
  // A forest of one expert has no ensemble: that expert is scored for it.
  const models = [p.modelId, ...(collapsed ? [collapsed.id] : []), ...(experts.length === 1 ? [experts[0]!.id] : [])].map((id) =>
    storedRef(catalog, id),
  );
  const verdict: VerdictRequest = {
    baselineId: p.modelId,
    baseline: p.name,
    experts: experts.map((e) => e.name),
    expertDomains: p.then.expertDomains,
    collapsed: collapsed?.name ?? null,
    trainingTokens: p.then.trainingTokens,
  };
  return { ...planEvaluation(catalog, ctx.forestHome, forestId, models, { ensemble: true, split: 'test' }), verdict };
}

export const baselineKind: JobKind = {
  ...expertKind,

  label(job) {
    const p = job.payload as BaselineJobPayload;
    return `Train “${p.name}”, one model on the mix of ${p.mixDirs.length} domain${p.mixDirs.length === 1 ? '' : 's'} (${p.then.trainingTokens.toLocaleString('en')} tokens, as the experts had)`;
  },

  onRecord(job, raw, ctx) {
    const p = job.payload as BaselineJobPayload;
    if ((raw as ExpertRecord).kind !== 'trained') return expertKind.onRecord!(job, raw, ctx);
    ctx.catalog.transaction(() => {
      const first = modelById(ctx.catalog, p.modelId).status !== 'ready';
      expertKind.onRecord!(job, raw, ctx);
      if (first) ctx.enqueue('evaluate', comparison(p, ctx));
    });
  },
};
