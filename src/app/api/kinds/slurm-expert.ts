// Experts trained on Slurm (cluster/slurm-expert-job.ts), as the queue's owner sees them: the line (each
// expert's Slurm state and step of steps, as the job's phase: the job card shows it), the steps of all experts
// as progress with the slowest one's ETA, each run's position and loss in the catalog as it goes, and each
// expert's merge records written as `grove bundle merge` writes them (kinds/bundle-merge.ts). Stopped
// otherwise than done, each unmerged expert's run takes the job's status, as a local expert's does; cancelled,
// its Slurm tasks are scancelled.
import { recordRunStep } from '../../catalog/runs';
import { join } from 'node:path';
import { writeFileDurableSync } from '../../../engine/durable-write';
import type { SlurmExpertPayload, SlurmExpertProgress, SlurmExpertRecord, SlurmExpertState } from '../../cluster/slurm-expert-job';
import { cancelUnfinishedSlurmTasks, MERGED_FILE } from '../../cluster/slurm-tasks';
import type { Job } from '../../jobs/queue';
import { bundleMergeKind } from './bundle-merge';
import { expertKind } from './expert';
import type { JobKind } from './kind';

type Expert = SlurmExpertPayload['experts'][number];

function experts(job: Job): Expert[] {
  return (job.payload as SlurmExpertPayload).experts;
}

/** The job seen as one expert's merge job (the shape bundle-merge and expert kinds read). */
function asExpertJob(job: Job, expert: Expert): Job {
  return { ...job, payload: expert };
}

function describe(s: SlurmExpertState): string {
  const where = s.merged ? 'merged' : (s.slurmState ?? (s.slurmJobId ? 'not in Slurm' : 'to submit'));
  const step = s.bundle?.totalSteps ? ` ${s.bundle.step}/${s.bundle.totalSteps}` : '';
  const loss = s.bundle?.loss !== null && s.bundle?.loss !== undefined ? ` loss ${s.bundle.loss.toFixed(3)}` : '';
  return `${s.name}: Slurm ${s.slurmJobId ?? ''} ${where}${s.reason ? ` (${s.reason})` : ''}${step}${loss}`.replace(/\s+/g, ' ');
}

export const slurmExpertKind: JobKind = {
  label(job) {
    return `Train on Slurm: ${experts(job)
      .map((e) => `“${e.name}”`)
      .join(', ')}`;
  },

  progress(job) {
    const p = job.progress as SlurmExpertProgress | null;
    const states = p?.experts ?? [];
    const total = Math.max(
      1,
      states.reduce((sum, s) => sum + (s.bundle?.totalSteps ?? 0), 0),
    );
    const done = states.reduce((sum, s) => sum + (s.merged ? (s.bundle?.totalSteps ?? 0) : (s.bundle?.step ?? 0)), 0);
    const etas = states.filter((s) => !s.merged).map((s) => s.bundle?.etaSeconds ?? null);
    const eta = etas.length > 0 && etas.every((e) => e !== null) ? Math.max(...(etas as number[])) : null;
    const list = experts(job);
    return {
      done: job.status === 'done' ? total : Math.min(total, done),
      total,
      etaSeconds: eta,
      ...(states.length > 0
        ? { phase: states.map(describe).join('; ') }
        : job.status === 'queued'
          ? { phase: 'Waiting for the bundles to be written' }
          : {}),
      ...(list.length === 1 ? { runId: list[0]!.train.runId } : {}),
    };
  },

  onProgress(job, progress, ctx) {
    const list = experts(job);
    for (const [i, s] of ((progress as SlurmExpertProgress).experts ?? []).entries()) {
      const b = s.bundle;
      const e = list[i];
      if (!e || s.merged || !b || b.state !== 'training' || b.step <= 0 || b.loss === null) continue;
      recordRunStep(ctx.catalog, e.train.runId, {
        step: b.step,
        tokens: b.tokens,
        loss: b.loss,
        ...(b.tokensPerSecond !== null ? { tokensPerSecond: b.tokensPerSecond } : {}),
        ...(b.validLoss !== null ? { validLoss: b.validLoss } : {}),
      });
    }
  },

  onRecord(job, raw, ctx) {
    const { index, record } = raw as SlurmExpertRecord;
    const expert = experts(job)[index];
    if (!expert) throw new Error(`A Slurm job's record names expert ${index}, of ${experts(job).length}.`);
    bundleMergeKind.onRecord!(asExpertJob(job, expert), record, ctx);
    // The expert is in the catalog now: a resumed job must not merge it again.
    if ((record as { kind?: string }).kind === 'trained')
      writeFileDurableSync(
        join(expert.bundleDir, MERGED_FILE),
        `${JSON.stringify({ modelId: expert.modelId, runId: expert.train.runId, mergedAt: new Date().toISOString() })}\n`,
      );
  },

  onFinished(job, ctx) {
    for (const e of experts(job)) expertKind.onFinished!(asExpertJob(job, e), ctx);
    // Cancelled while paused, no worker cancels the Slurm jobs (a running job's worker has done it already).
    if (job.status === 'cancelled') {
      const p = job.payload as SlurmExpertPayload;
      void cancelUnfinishedSlurmTasks(p.settings, p.experts, (line) => console.warn(`Grove: ${line}`));
    }
  },
};
