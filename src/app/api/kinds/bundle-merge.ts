// Merging a trained expert bundle (bundle/merge-job.ts), as the queue's owner sees it: the run's loss curve from
// the bundle, then the plan and trained records written exactly as a local expert job's are (kinds/expert.ts
// handles them: weights, status ready, run done with its elapsed time and peak memory).
import { recordRunStep } from '../../catalog/runs';
import type { BundleMergePayload, HistoryRecord } from '../../bundle/merge-job';
import { expertKind } from './expert';
import { countedProgress, type JobKind } from './kind';

export const bundleMergeKind: JobKind = {
  label(job) {
    return `Merge bundle of expert “${(job.payload as BundleMergePayload).name}”`;
  },

  progress: countedProgress,

  onRecord(job, raw, ctx) {
    const record = raw as HistoryRecord | { kind: string };
    if (record.kind === 'history') {
      const { runId } = (job.payload as BundleMergePayload).train;
      ctx.catalog.transaction(() => {
        for (const point of (record as HistoryRecord).points) recordRunStep(ctx.catalog, runId, point);
      });
      return;
    }
    expertKind.onRecord!(job, raw, ctx);
  },
};
