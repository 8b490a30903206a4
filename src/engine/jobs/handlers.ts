// What a worker process does for each kind of job (jobs/kinds.ts lists them): one entry per kind, each calling
// into the engine, which checks its payload.
import { runBundleMergeJob } from '../bundle/merge-job';
import { runIngestJob } from '../corpus/ingest-job';
import { runDiscoverJob } from '../corpus/discover/discover-job';
import { runExportJob } from '../export/job';
import { runDownloadJob, runImportSeedJob } from '../hub/hub-jobs';
import { runExpertJob } from '../store/expert-job';
import { runSeedJob } from '../store/seed-job';
import { runCollapseJob } from '../store/collapse-job';
import { runCollapseTrialJob } from '../store/collapse-trial-job';
import { runEvaluateJob } from '../store/evaluate-job';
import { runPriorJob } from '../store/prior-job';
import { runMeasureSpeedJob } from '../train/measure-speed';
import { runTrainJob } from '../train/train-job';
import type { JobKindName } from './kinds';
import type { JobHandler } from './protocol';

export const jobHandlers: Readonly<Record<JobKindName, JobHandler>> = {
  ingest: (payload, ctx) => runIngestJob(payload, ctx.signal, (p) => ctx.progress(p)),
  export: (payload, ctx) => runExportJob(payload, (p) => ctx.progress(p)),
  expert: (payload, ctx) => runExpertJob(payload, ctx),
  // The dense baseline: an expert job without a branch, on a mix of domains (api/baseline-plan.ts).
  baseline: (payload, ctx) => runExpertJob(payload, ctx),
  seed: (payload, ctx) => runSeedJob(payload, ctx),
  train: (payload, ctx) => runTrainJob(payload, ctx.signal, (p) => ctx.progress(p), ctx.log),
  prior: (payload, ctx) => runPriorJob(payload, ctx),
  evaluate: (payload, ctx) => runEvaluateJob(payload, ctx),
  collapse: (payload, ctx) => runCollapseJob(payload, ctx),
  'collapse-trial': (payload, ctx) => runCollapseTrialJob(payload, ctx),
  'measure-speed': (payload, ctx) => runMeasureSpeedJob(payload, ctx),
  download: (payload, ctx) => runDownloadJob(payload, ctx.forestHome, ctx.signal, (p) => ctx.progress(p)),
  'import-seed': (payload, ctx) => runImportSeedJob(payload, ctx.forestHome, ctx.signal, (p) => ctx.progress(p)),
  // A folder ingested once and its documents clustered (domain discovery, issue 18).
  discover: (payload, ctx) => runDiscoverJob(payload, ctx.signal, (p) => ctx.progress(p)),
  'bundle-merge': (payload, ctx) => runBundleMergeJob(payload, ctx),
};
