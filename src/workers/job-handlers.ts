// What a worker process does for each kind of job (jobs/kinds.ts lists them): one entry per kind, each calling
// into the engine, which checks its payload.
import { runBundleMergeJob } from '../app/bundle/merge-job';
import { runSlurmExpertJob } from '../app/cluster/slurm-expert-job';
import { runIngestJob } from '../engine/corpus/ingest-job';
import { runDiscoverJob } from '../app/store/discover-job';
import { runExportJob } from '../engine/export/job';
import { runDownloadJob, runImportSeedJob } from '../app/store/hub-jobs';
import { runExpertJob } from '../app/store/expert-job';
import { runSeedJob } from '../app/store/seed-job';
import { runCollapseJob } from '../app/store/collapse-job';
import { runCollapseTrialJob } from '../app/store/collapse-trial-job';
import { runEvaluateJob } from '../app/store/evaluate-job';
import { runPriorJob } from '../app/store/prior-job';
import { runMeasureSpeedJob } from '../app/store/measure-speed-job';
import { runTrainJob } from '../engine/train/train-job';
import type { JobKindName } from '../app/jobs/kinds';
import type { JobHandler } from '../app/jobs/protocol';

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
  // Experts trained as Slurm jobs from bundles in the shared folder, followed and merged (issue 19).
  'slurm-expert': (payload, ctx) => runSlurmExpertJob(payload, ctx),
};
