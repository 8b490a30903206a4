// The service's long work: the persistent queue, the runner that executes each job in a worker process,
// and the view of a job the UI shows (label, done of total, ETA). Ingest results land in the catalog.
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { JobView } from '../../shared/api/events';
import { GroveError } from '../../shared/api/errors';
import type { ApiInput } from '../../shared/api/schemas';
import type { Catalog } from '../catalog/catalog';
import { saveIngestReport } from '../catalog/domains';
import { findModel } from '../catalog/models';
import type { IngestProgress, IngestReport } from '../corpus/types';
import type { ExportJobPayload } from '../export/job';
import type { ExportProgress } from '../export/progress';
import { JobQueue, type Job } from '../jobs/queue';
import { JobRunner, type WorkerLauncher } from '../jobs/runner';
import { domainDir } from '../store/domains';
import { storedModelFolder } from '../store/model-store';
import { forestTokenizerDir } from '../store/init';

interface IngestPayload {
  folder: string;
  out: string;
  tokenizer: string;
  domain: string;
}

export function jobView(job: Job): JobView {
  if (job.kind === 'export') return exportJobView(job);
  const p = (job.progress ?? {}) as Partial<IngestProgress>;
  const payload = job.payload as Partial<IngestPayload>;
  const label = job.kind === 'ingest' ? `Ingest “${payload.domain ?? '?'}”` : job.kind;
  const done = job.status === 'done' ? Math.max(1, p.bytesTotal ?? 1) : (p.bytesDone ?? 0);
  return { id: job.id, kind: job.kind, label, status: job.status, done, total: Math.max(1, p.bytesTotal ?? 1), etaSeconds: p.etaSeconds ?? null, error: job.error };
}

/** An export reports parameters written of all (ExportProgress). */
function exportJobView(job: Job): JobView {
  const p = (job.progress ?? {}) as Partial<ExportProgress>;
  const payload = job.payload as Partial<ExportJobPayload>;
  const total = Math.max(1, p.total ?? 1);
  const done = job.status === 'done' ? total : (p.done ?? 0);
  return { id: job.id, kind: job.kind, label: `Export “${payload.name ?? '?'}” as ${payload.format ?? '?'}`, status: job.status, done, total, etaSeconds: null, error: job.error };
}

export class ServiceJobs {
  readonly queue: JobQueue;
  private readonly runner: JobRunner | null;

  constructor(
    private readonly catalog: Catalog,
    private readonly forestHome: string,
    launcher: WorkerLauncher | undefined,
    private readonly emit: (job: JobView, forestChanged: boolean) => void,
  ) {
    this.queue = new JobQueue(catalog);
    this.runner = launcher
      ? new JobRunner(this.queue, launcher, forestHome, {
          progress: (job) => emit(jobView(this.queue.get(job.id)), false),
          result: (job, result) => {
            if (job.kind === 'ingest') saveIngestReport(catalog, (job.payload as IngestPayload).domain, result as IngestReport);
          },
          finished: (job) => emit(jobView(job), true),
        })
      : null;
    if (this.runner) {
      this.queue.recoverInterrupted();
      void this.runner.drain();
    }
  }

  private requireRunner(): JobRunner {
    if (!this.runner) throw new GroveError('unsupported', 'This Grove process runs no background jobs; use the app or `grove serve`.');
    return this.runner;
  }

  addDomain(folder: string, domain: string): JobView {
    const runner = this.requireRunner();
    const abs = resolve(folder);
    if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new GroveError('not_found', `${abs} is not a folder on this machine.`, { folder: abs });
    const tokenizer = join(forestTokenizerDir(this.forestHome), 'tokenizer.json');
    if (!existsSync(tokenizer)) throw new GroveError('conflict', 'This forest has no tokenizer yet: create the forest first (`grove init --from <model folder>`).');
    const payload: IngestPayload = { folder: abs, out: domainDir(this.forestHome, domain), tokenizer, domain };
    const job = this.queue.enqueue('ingest', payload);
    void runner.drain();
    const view = jobView(job);
    this.emit(view, false);
    return view;
  }

  /** Queues an export of a forest model (by name or id) or a model folder; the worker writes it. */
  exportModel(input: ApiInput<'exportModel'>): JobView {
    const runner = this.requireRunner();
    let folder: string;
    if (existsSync(input.model) && statSync(input.model).isDirectory()) folder = resolve(input.model);
    else {
      const model = findModel(this.catalog, input.model);
      if (!model) throw new GroveError('not_found', `No model named ${JSON.stringify(input.model)} in this forest, and no such folder; choose a model from the forest.`, { model: input.model });
      folder = storedModelFolder(this.forestHome, model.weightsSha256);
    }
    if (!isAbsolute(input.out)) throw new GroveError('bad_input', `The export destination must be an absolute path; got ${JSON.stringify(input.out)}.`, { out: input.out });
    const tokenizerDir = forestTokenizerDir(this.forestHome);
    const payload: ExportJobPayload = {
      folder,
      name: input.model,
      format: input.format,
      out: input.out,
      dtype: input.dtype ?? 'f32',
      force: input.force ?? false,
      ...(existsSync(join(tokenizerDir, 'tokenizer.json')) ? { tokenizerDir } : {}),
    };
    const job = this.queue.enqueue('export', payload);
    void runner.drain();
    const view = jobView(job);
    this.emit(view, false);
    return view;
  }

  list(): JobView[] {
    return this.queue.list().slice(-50).map(jobView);
  }

  cancel(id: number): JobView {
    const job = this.queue.get(id);
    if (this.runner?.runningJobId === id) this.runner.stop(id, 'cancel');
    else if (job.status === 'queued' || job.status === 'paused') this.queue.cancel(id);
    else throw new GroveError('conflict', `Job ${id} is ${job.status}: there is nothing to cancel.`);
    return jobView(this.queue.get(id));
  }
}
