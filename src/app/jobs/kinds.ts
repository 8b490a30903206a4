// Every kind of background job, in one list: the queue's owner describes each one (api/kinds/index.ts) and a
// worker runs each one (workers/job-handlers.ts), both typed as records over this list, so a kind added on one side
// and not the other does not compile.
export const JOB_KIND_NAMES = [
  'ingest',
  'export',
  'expert',
  'seed',
  'baseline',
  'train',
  'prior',
  'evaluate',
  'collapse',
  'collapse-trial',
  'measure-speed',
  'download',
  'import-seed',
  'discover',
  'bundle-merge',
  'slurm-expert',
] as const;
export type JobKindName = (typeof JOB_KIND_NAMES)[number];

export function isJobKindName(kind: string): kind is JobKindName {
  return (JOB_KIND_NAMES as readonly string[]).includes(kind);
}
