// How the queue's owner handles each kind of job (jobs/kinds.ts lists them): the UI's line and progress, and
// what it writes to the catalog from the worker's records and result. One explicit record, typed over the
// list, so a kind the worker runs and the owner does not describe (or the reverse) does not compile.
import type { JobKindName } from '../../jobs/kinds';
import { baselineKind } from './baseline';
import { bundleMergeKind } from './bundle-merge';
import { collapseKind } from './collapse';
import { collapseTrialKind } from './collapse-trial';
import { discoverKind } from './discover';
import { evaluateKind } from './evaluate';
import { expertKind } from './expert';
import { exportKind } from './export';
import { downloadKind, importSeedKind } from './hub';
import { ingestKind } from './ingest';
import type { JobKind } from './kind';
import { measureSpeedKind } from './measure-speed';
import { priorKind } from './prior';
import { seedKind } from './seed';
import { slurmExpertKind } from './slurm-expert';
import { trainKind } from './train';

export const JOB_KINDS: Readonly<Record<JobKindName, JobKind>> = {
  ingest: ingestKind,
  export: exportKind,
  expert: expertKind,
  seed: seedKind,
  baseline: baselineKind,
  train: trainKind,
  prior: priorKind,
  evaluate: evaluateKind,
  collapse: collapseKind,
  'collapse-trial': collapseTrialKind,
  'measure-speed': measureSpeedKind,
  download: downloadKind,
  'import-seed': importSeedKind,
  discover: discoverKind,
  'bundle-merge': bundleMergeKind,
  'slurm-expert': slurmExpertKind,
};
