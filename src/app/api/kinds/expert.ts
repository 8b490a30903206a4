// Expert jobs (store/expert-job.ts), as the queue's owner sees them: the progress line (phase, step of
// steps, ETA), and the catalog writes for each record: the cached prior, the branch's init weights and
// lineage, the run's plan and loss history, the trained weights; the run's status when the job stops.
import { parentsOf } from '../../catalog/lineage';
import { recordLineage } from '../../forest/lineage';
import { modelById, setModelLora, setModelStatus, setModelWeights } from '../../catalog/models';
import { setRunActual, setRunInit, setRunPlan, setRunStatus, type RunStatus } from '../../catalog/runs';
import type { ExpertJobPayload, ExpertProgress, ExpertRecord } from '../../store/expert-job';
import { recordTrainStep, type JobKind } from './kind';
import { storePriorRecord } from './prior';

type Payload = Pick<ExpertJobPayload, 'modelId' | 'name' | 'train' | 'branch' | 'bundle'>;

const PHASES: Record<ExpertProgress['phase'], string> = {
  prior: 'Reading the domain',
  branch: 'Branching',
  train: 'Training',
  store: 'Saving',
};

export const expertKind: JobKind = {
  label(job) {
    const p = job.payload as Payload;
    if (p.bundle) return `Bundle expert “${p.name}”`;
    return p.train ? `Train expert “${p.name}”` : `Branch expert “${p.name}”`;
  },

  progress(job) {
    const p = job.payload as Payload;
    const progress = (job.progress ?? {}) as Partial<ExpertProgress>;
    const t = progress.train;
    const total = Math.max(1, t?.totalSteps ?? 1);
    return {
      done: job.status === 'done' ? total : (t?.step ?? 0),
      total,
      etaSeconds: t?.etaSeconds ?? null,
      ...(progress.phase ? { phase: PHASES[progress.phase] } : {}),
      ...(p.train ? { runId: p.train.runId } : {}),
    };
  },

  onProgress(job, progress, ctx) {
    const runId = (job.payload as Payload).train?.runId;
    const { phase, train } = progress as ExpertProgress;
    if (runId !== undefined && train && phase === 'train') recordTrainStep(ctx, runId, train);
  },

  onRecord(job, raw, { catalog }) {
    const p = job.payload as Payload;
    const record = raw as ExpertRecord;
    switch (record.kind) {
      case 'prior':
        storePriorRecord(catalog, record);
        break;
      case 'branched':
        // A resumed job sends its branch again: the lineage is history and is written once.
        catalog.transaction(() => {
          if (parentsOf(catalog, p.modelId).length > 0) return;
          setModelWeights(catalog, p.modelId, record.sha256, record.bytes);
          if (record.lora) setModelLora(catalog, p.modelId, record.lora, record.lightStart);
          recordLineage(catalog, p.modelId, record.parents);
          if (p.train) setRunInit(catalog, p.train.runId, record.sha256);
        });
        break;
      case 'plan':
        if (p.train) setRunPlan(catalog, p.train.runId, record.totalSteps, record.device);
        break;
      case 'trained':
        catalog.transaction(() => {
          setModelWeights(catalog, p.modelId, record.sha256, record.bytes);
          setModelStatus(catalog, p.modelId, 'ready');
          if (p.train) {
            setRunStatus(catalog, p.train.runId, 'done');
            setRunActual(catalog, p.train.runId, record.elapsedSeconds, record.peakMemoryBytes);
          }
        });
        break;
    }
  },

  onFinished(job, { catalog }) {
    const p = job.payload as Payload;
    const runId = p.train?.runId;
    if (runId !== undefined && job.status !== 'done') setRunStatus(catalog, runId, job.status as RunStatus, job.error);
    // A new expert whose training was cancelled never joins the forest (its files stay until gc).
    if (job.status === 'cancelled' && modelById(catalog, p.modelId).status === 'training') setModelStatus(catalog, p.modelId, 'removed');
  },
};
