// Long CLI commands run as the app's do: a job in the forest's queue, executed by a worker process, with
// a progress line (phase, step of steps, loss, tokens/s, ETA) and the worker's notes printed as they come.
// Ctrl-C pauses the job at a checkpoint; `grove jobs resume ID` continues it.
import { fileURLToPath } from 'node:url';
import { GroveService } from '../app/api/service';
import { nodeWorkerLauncher } from '../app/jobs/node-launcher';
import type { GroveEvent, JobView, TrainProgress } from '../shared/api';
import { GroveError } from '../shared/api/errors';
import { formatEta, ProgressLine } from './progress-line';

/** A service that runs jobs in worker processes (out/node/job-worker.js, next to the CLI's bundle). */
export function jobRunningService(home: string): GroveService {
  return new GroveService({
    forestHome: home,
    transport: 'http',
    workers: nodeWorkerLauncher(fileURLToPath(new URL('./job-worker.js', import.meta.url))),
  });
}

function describe(job: JobView, train: TrainProgress | undefined): string {
  const parts = [job.label];
  if (job.status === 'queued') parts.push('queued');
  if (job.phase) parts.push(job.phase);
  if (train && job.runId !== undefined) {
    parts.push(`step ${train.step}/${train.totalSteps}`, `loss ${train.loss.toFixed(3)}`);
    if (train.validLoss !== undefined) parts.push(`valid ${train.validLoss.toFixed(3)}`);
    parts.push(`${Math.round(train.tokensPerSecond)} tok/s`);
  } else if (job.total > 1) parts.push(`${Math.round((100 * job.done) / job.total)} %`);
  parts.push(formatEta(job.etaSeconds));
  return parts.join('  ');
}

export interface RunJobOptions {
  /** Also wait for the jobs queued after this one while it ran (the sample forest's experts). */
  followUps?: boolean;
}

const SETTLED: readonly JobView['status'][] = ['done', 'failed', 'cancelled', 'paused'];

/** Resolves with a job's view once it has settled (listening first, so no change is missed). */
function settled(service: GroveService, id: number): Promise<JobView> {
  return new Promise((resolve) => {
    const check = (job: JobView | undefined) => {
      if (job?.id !== id || !SETTLED.includes(job.status)) return;
      off();
      resolve(job);
    };
    const off = service.onEvent((e) => e.type === 'job.changed' && check(e.job));
    void service.jobs({}).then((jobs) => check(jobs.find((j) => j.id === id)));
  });
}

/**
 * Starts a job on `service` and waits for it (and, with followUps, for the jobs it queued), showing
 * progress; resolves with the final views, rejects with the reason if a job failed or was paused.
 */
export async function runJob(service: GroveService, start: () => Promise<JobView>, o: RunJobOptions = {}): Promise<JobView[]> {
  const line = new ProgressLine();
  const lastTrain = new Map<number, TrainProgress>();
  const watching = new Set<number>();
  const off = service.onEvent((e: GroveEvent) => {
    if (e.type === 'train.progress') lastTrain.set(e.runId, e.progress);
    else if (e.type === 'job.log' && watching.has(e.jobId)) {
      line.done();
      console.error(`  ${e.line}`);
    } else if (e.type === 'job.changed' && watching.has(e.job.id)) {
      line.update(describe(e.job, e.job.runId !== undefined ? lastTrain.get(e.job.runId) : undefined), SETTLED.includes(e.job.status));
    }
  });
  const results: JobView[] = [];
  const pause = () => {
    for (const id of watching) if (!results.some((r) => r.id === id)) void service.pauseJob({ id }).catch(() => undefined);
  };
  process.once('SIGINT', pause);
  try {
    const first = await start();
    const queue = [first.id];
    watching.add(first.id);
    while (queue.length > 0) {
      const id = queue.shift()!;
      const view = await settled(service, id);
      line.done();
      results.push(view);
      if (view.status !== 'done') break;
      if (!o.followUps) continue;
      for (const j of await service.jobs({})) {
        if (j.id > first.id && !watching.has(j.id) && (j.status === 'queued' || j.status === 'running')) {
          watching.add(j.id);
          queue.push(j.id);
        }
      }
    }
  } finally {
    off();
    process.off('SIGINT', pause);
  }
  const bad = results.find((j) => j.status !== 'done');
  if (bad?.status === 'paused')
    throw new GroveError('conflict', `Paused ${bad.label} at its last checkpoint; \`grove jobs resume ${bad.id}\` continues it.`);
  if (bad) throw new GroveError('internal', `${bad.label}: ${bad.status}${bad.error ? `: ${bad.error}` : ''}`);
  return results;
}
