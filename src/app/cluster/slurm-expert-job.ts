// Experts trained as Slurm jobs (issue 19), in a worker: their bundles (written by the expert jobs queued just
// before this one) submitted as one job array, then followed: the Slurm state of each task (scontrol) and the
// bundle's own progress.json, reported as a local training's progress, the state changes and the log's tail in
// the job's log. A finished bundle is verified and merged as `grove bundle merge` does (bundle/merge-job.ts), so
// the expert joins the forest exactly as a local run. Cancelling the Grove job scancels the tasks; pausing it
// leaves them running. A task that ended unfinished (scancel, a failure) fails the Grove job; resuming it
// resubmits that task, and `grove bundle run` resumes from the bundle's last checkpoint.
// Which Slurm job trains a bundle is kept in the bundle itself (slurm-job.json), so a resumed job finds it.
// A task Slurm requeues (its node died, it was preempted) is followed on, not failed: it goes back to PENDING and
// runs again, resuming from the bundle's last checkpoint; the job's log says so, with Slurm's word on why.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { GroveError } from '../../shared/api/errors';
import { BundleMergePayload, runBundleMergeJob } from '../bundle/merge-job';
import { BUNDLE_PATHS } from '../bundle/manifest';
import { readBundleProgress, type BundleProgress } from '../bundle/progress-file';
import { writeFileDurable } from '../../engine/durable-write';
import type { JobContext } from '../jobs/protocol';
import { slurmBackend, type SlurmBackend, type SlurmJobState } from './slurm';
import { bundleFinished, ENDED, MERGED_FILE, readTask, stateOf, TASK_FILE, type TaskFile } from './slurm-tasks';

export const SlurmExpertPayload = z
  .object({
    /** The forest's Slurm settings when the experts were sent (cluster/slurm/settings.ts checks them). */
    settings: z.unknown(),
    /** The program each task runs, its bundle folder appended: this Grove's `bundle run`. */
    command: z.array(z.string()).min(1),
    /** One per bundle: what its merge needs (the planned expert and run). */
    experts: z.array(BundleMergePayload).min(1),
  })
  .strict();
export type SlurmExpertPayload = z.input<typeof SlurmExpertPayload>;

/** One expert's state as the worker reports it. */
export interface SlurmExpertState {
  name: string;
  /** The Slurm id that trains it ("12_0" for an array task); null before submission. */
  slurmJobId: string | null;
  /** Slurm's state (RUNNING, PENDING, ...), 'MERGED' once merged, null when Slurm no longer knows the job. */
  slurmState: string | null;
  reason: string | null;
  bundle: Pick<
    BundleProgress,
    'state' | 'step' | 'totalSteps' | 'tokens' | 'loss' | 'validLoss' | 'tokensPerSecond' | 'etaSeconds' | 'resumedFromStep' | 'starts'
  > | null;
  merged: boolean;
}

export interface SlurmExpertProgress {
  experts: SlurmExpertState[];
}

/** Sent for expert `index`: one of bundle/merge-job.ts's records, for that expert's model and run. */
export interface SlurmExpertRecord {
  kind: 'expert';
  index: number;
  record: unknown;
}

const POLL_MS = 2000;

/** slurmstepd's line in a task's output when Slurm ends it ("*** JOB 7 ON node CANCELLED AT ... DUE TO NODE FAILURE ... ***"). */
const SLURM_STOP_LINE = /\*\*\* (JOB|STEP) .* \*\*\*/;

/** The log line for a task Slurm has requeued `restarts` times: why (its output's last slurmstepd line), and what comes next. */
function requeuedLine(name: string, slurm: SlurmJobState, backend: SlurmBackend, bundle: BundleProgress | null): string {
  const why = backend
    .logTail(slurm.jobId, 50)
    .filter((l) => SLURM_STOP_LINE.test(l))
    .at(-1)
    ?.replace(/^.*?(\*\*\*)/, '$1');
  const at = bundle && bundle.step > 0 ? ` (it had reached step ${bundle.step}/${bundle.totalSteps ?? '?'})` : '';
  return `${name}: Slurm requeued job ${slurm.jobId} (restart ${slurm.restarts}${why ? `; Slurm said: ${why}` : ''}); it runs again and resumes from the bundle's last checkpoint${at}`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Submits the bundles that no live Slurm job trains (all at first; those that ended unfinished on a resume). */
async function submitMissing(backend: SlurmBackend, p: z.output<typeof SlurmExpertPayload>, ctx: JobContext): Promise<void> {
  const missing: string[] = [];
  for (const e of p.experts) {
    if (!existsSync(join(e.bundleDir, BUNDLE_PATHS.manifest)))
      throw new GroveError(
        'conflict',
        `The bundle of expert "${e.name}" was not written (${e.bundleDir} has no ${BUNDLE_PATHS.manifest}): its bundle job failed or was cancelled.`,
        { bundle: e.bundleDir },
      );
    if (bundleFinished(e.bundleDir) || existsSync(join(e.bundleDir, MERGED_FILE))) continue;
    const task = readTask(e.bundleDir);
    const state = task ? await stateOf(backend, task.jobId) : null;
    if (!state || ENDED.has(state.status)) missing.push(e.bundleDir);
  }
  if (missing.length === 0) return;
  const names = p.experts.filter((e) => missing.includes(e.bundleDir)).map((e) => e.name);
  const submitted = await backend.submit({
    name: `grove-${names.join('-')}`.slice(0, 64).replace(/[^A-Za-z0-9_.-]/g, '_'),
    command: p.command,
    dirs: missing,
  });
  for (const [i, dir] of missing.entries()) {
    const jobId = missing.length > 1 ? `${submitted.jobId}_${i}` : submitted.jobId;
    const before = readTask(dir);
    await writeFileDurable(
      join(dir, TASK_FILE),
      `${JSON.stringify({ jobId, submittedAt: new Date().toISOString(), submissions: (before?.submissions ?? 0) + 1 } satisfies TaskFile)}\n`,
    );
    ctx.log(
      `submitted ${names[i]} to Slurm as job ${jobId}${before ? ` (again: it resumes from its bundle's last checkpoint)` : ''}; script ${submitted.scriptPath}`,
    );
  }
}

export async function runSlurmExpertJob(input: unknown, ctx: JobContext): Promise<{ merged: string[] }> {
  const p = SlurmExpertPayload.parse(input);
  const backend = slurmBackend(p.settings);
  await submitMissing(backend, p, ctx);
  // An expert merged by an earlier start of this job (the job failed on another one, and was resumed) is done.
  const states: SlurmExpertState[] = p.experts.map((e) => {
    const merged = existsSync(join(e.bundleDir, MERGED_FILE));
    return {
      name: e.name,
      slurmJobId: readTask(e.bundleDir)?.jobId ?? null,
      slurmState: merged ? 'MERGED' : null,
      reason: null,
      bundle: merged ? readBundleProgress(e.bundleDir) : null,
      merged,
    };
  });
  const shown = new Map<number, string>();
  const restartsSeen = new Map<number, number>();
  while (states.some((s) => !s.merged)) {
    if (ctx.signal.aborted) {
      if (ctx.signal.reason === 'cancel') {
        for (const s of states) if (!s.merged && s.slurmJobId) await backend.cancel(s.slurmJobId);
        ctx.log(
          `cancelled the Slurm job(s) ${states
            .filter((s) => !s.merged && s.slurmJobId)
            .map((s) => s.slurmJobId)
            .join(', ')}`,
        );
      } else ctx.log('paused: the Slurm jobs keep running; resuming this job follows them again');
      return { merged: states.filter((s) => s.merged).map((s) => s.name) };
    }
    for (const [index, e] of p.experts.entries()) {
      const s = states[index]!;
      if (s.merged) continue;
      const slurm = s.slurmJobId ? await stateOf(backend, s.slurmJobId) : null;
      const bundle = readBundleProgress(e.bundleDir);
      s.slurmState = slurm?.slurmState ?? null;
      s.reason = slurm?.reason ?? null;
      s.bundle = bundle
        ? {
            state: bundle.state,
            step: bundle.step,
            totalSteps: bundle.totalSteps,
            tokens: bundle.tokens,
            loss: bundle.loss,
            validLoss: bundle.validLoss,
            tokensPerSecond: bundle.tokensPerSecond,
            etaSeconds: bundle.etaSeconds,
            resumedFromStep: bundle.resumedFromStep,
            starts: bundle.starts,
          }
        : null;
      if (slurm && slurm.restarts > (restartsSeen.get(index) ?? 0)) {
        restartsSeen.set(index, slurm.restarts);
        ctx.log(requeuedLine(e.name, slurm, backend, bundle));
      }
      const line = `${s.slurmState ?? 'gone'}${s.reason ? ` (${s.reason})` : ''}`;
      if (shown.get(index) !== line) {
        shown.set(index, line);
        ctx.log(
          `${e.name}: Slurm job ${s.slurmJobId} ${line}${bundle ? `, bundle ${bundle.state} at step ${bundle.step}/${bundle.totalSteps ?? '?'}` : ''}`,
        );
      }
      const ended = !slurm || ENDED.has(slurm.status);
      if (bundleFinished(e.bundleDir) && ended) {
        const tail = slurm ? backend.logTail(slurm.jobId, 3) : [];
        for (const l of tail) ctx.log(`${e.name} | ${l}`);
        await runBundleMergeJob(e, {
          ...ctx,
          record: (record) => ctx.record({ kind: 'expert', index, record } satisfies SlurmExpertRecord),
        });
        s.merged = true;
        s.slurmState = 'MERGED';
      } else if (ended) {
        const tail = slurm ? backend.logTail(slurm.jobId, 10) : [];
        for (const l of tail) ctx.log(`${e.name} | ${l}`);
        const at = bundle ? ` at step ${bundle.step}/${bundle.totalSteps ?? '?'}` : ' before training';
        throw new GroveError(
          'conflict',
          `Slurm job ${s.slurmJobId} of expert "${e.name}" ended ${slurm ? slurm.slurmState : '(Slurm no longer knows it)'}${at}, unfinished. Resume this Grove job to submit it again: it resumes from the bundle's last checkpoint.`,
          { bundle: e.bundleDir, slurmJobId: s.slurmJobId },
        );
      }
    }
    ctx.progress({ experts: states.map((s) => ({ ...s })) } satisfies SlurmExpertProgress);
    if (states.some((s) => !s.merged)) await sleep(POLL_MS, ctx.signal);
  }
  return { merged: states.map((s) => s.name) };
}
