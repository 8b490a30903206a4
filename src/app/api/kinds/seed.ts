// Seed jobs (store/seed-job.ts), as the queue's owner sees them: the progress line through the tokenizer,
// ingest and seed-phase training, and the catalog writes for each record: the forest's tokenizer, each
// domain's ingest report, the run's plan and loss history, the seed's weights and the forest's training
// settings; when the payload asks for them, one expert job per domain, queued in the same transaction that
// stores the seed, so that no kill between the two leaves a seed without its experts (and a re-run seed
// job, which sends 'seeded' again, queues nothing twice).
import { saveIngestReport } from '../../catalog/domains';
import { forestOfModel, modelById, setModelStatus, setModelTokenizer, setModelWeights } from '../../catalog/models';
import { setRunJob, setRunPlan, setRunStatus, type RunStatus } from '../../catalog/runs';
import type { ExpertBudget } from '../../../shared/api/schemas-forest';
import type { SeedJobPayload, SeedProgress, SeedRecord } from '../../store/seed-job';
import { saveForestTrainingSettings, TrainingSettings } from '../../store/training-settings';
import { planExpert } from '../expert-plan';
import { recordTrainStep, type JobKind, type JobOwnerContext } from './kind';

const PHASES: Record<SeedProgress['phase'], string> = {
  tokenizer: 'Training the tokenizer',
  ingest: 'Reading',
  train: 'Training the seed',
  store: 'Saving',
};

export const seedKind: JobKind = {
  label: (job) => `Grow a forest: seed on ${(job.payload as SeedJobPayload).domains.map((d) => d.name).join(', ')}`,

  /**
   * One bar over the whole job: reading the folders for the tokenizer takes the first 5 %, ingesting them with
   * it the next 5 %, training the seed the rest (by steps). The ETA is the training's, once it has started.
   */
  progress(job) {
    const p = (job.progress ?? {}) as Partial<SeedProgress>;
    const phase = p.phase ? `${PHASES[p.phase]}${p.phase === 'ingest' && p.domain ? ` ${p.domain}` : ''}` : undefined;
    const runId = (job.payload as SeedJobPayload).runId;
    const domains = Math.max(1, (job.payload as SeedJobPayload).domains.length);
    const at = Math.max(
      0,
      (job.payload as SeedJobPayload).domains.findIndex((d) => d.name === p.domain),
    );
    const ingested = p.ingest ? (at + p.ingest.bytesDone / Math.max(1, p.ingest.bytesTotal)) / domains : 0;
    const total = 1000;
    let done = 0;
    if (job.status === 'done') done = total;
    else if (p.phase === 'tokenizer') done = 50 * ingested;
    else if (p.phase === 'ingest') done = 50 + 50 * ingested;
    else if (p.train) done = 100 + (900 * p.train.step) / Math.max(1, p.train.totalSteps);
    return {
      done: Math.round(done),
      total,
      etaSeconds: p.phase === 'train' || p.phase === 'store' ? (p.train?.etaSeconds ?? null) : null,
      runId,
      ...(phase ? { phase } : {}),
    };
  },

  onProgress(job, progress, ctx) {
    const { phase, train } = progress as SeedProgress;
    if (phase === 'train' && train) recordTrainStep(ctx, (job.payload as SeedJobPayload).runId, train);
  },

  onRecord(job, raw, ctx) {
    const { catalog } = ctx;
    const p = job.payload as SeedJobPayload;
    const record = raw as SeedRecord;
    switch (record.kind) {
      case 'tokenizer':
        setModelTokenizer(catalog, p.modelId, record.sha256);
        break;
      case 'ingested':
        saveIngestReport(catalog, record.domain, record.report);
        break;
      case 'plan':
        setRunPlan(catalog, p.runId, record.totalSteps, 'cpu');
        break;
      case 'seeded':
        catalog.transaction(() => {
          if (modelById(catalog, p.modelId).status === 'ready') return;
          setModelWeights(catalog, p.modelId, record.sha256, record.bytes);
          setModelStatus(catalog, p.modelId, 'ready');
          setRunStatus(catalog, p.runId, 'done');
          // Experts of this forest train as its seed did (same context, batch and learning rate), unless the
          // forest was planted with settings of their own (SeedJobPayload.expertSettings).
          saveForestTrainingSettings(catalog, forestOfModel(catalog, p.modelId), TrainingSettings.parse(p.expertSettings ?? p.settings));
          if (p.then) queueExperts(p, ctx);
        });
        break;
    }
  },

  onFinished(job, ctx) {
    const p = job.payload as SeedJobPayload;
    if (job.status === 'done') return;
    setRunStatus(ctx.catalog, p.runId, job.status as RunStatus, job.error);
    if (job.status === 'cancelled' && modelById(ctx.catalog, p.modelId).status === 'training')
      setModelStatus(ctx.catalog, p.modelId, 'removed');
  },
};

/** One expert per domain of the seed phase that had enough text, each branched from the seed. */
function queueExperts(p: SeedJobPayload, ctx: JobOwnerContext): void {
  const forestId = forestOfModel(ctx.catalog, p.modelId);
  const trainable = ctx.catalog
    .domains(forestId)
    .filter(
      (d) => p.domains.some((x) => x.name === d.name) && d.statsJson && (JSON.parse(d.statsJson) as { trainable: boolean }).trainable,
    );
  for (const d of trainable) {
    const budget = p.then?.experts.budget as ExpertBudget | undefined;
    const payload = planExpert(ctx.catalog, ctx.forestHome, {
      domain: d.name,
      init: 'seed',
      topK: 1,
      device: 'auto',
      branchOnly: false,
      ...(budget ? { budget } : {}),
    });
    setRunJob(ctx.catalog, payload.train!.runId, ctx.enqueue('expert', payload).id);
  }
}
