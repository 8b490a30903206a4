// The service's long work: the persistent queue, the runner that executes each job in a worker process,
// and, per kind of job (kinds/), how the UI shows it and what its records and result write to the catalog.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { GroveEvent, JobView } from '../../shared/api/events';
import { defaultExportDtype, defaultExportFormat, defaultExportPath } from '../../shared/api/defaults';
import { GroveError } from '../../shared/api/errors';
import type { ApiInput } from '../../shared/api/schemas';
import { DomainExpert } from '../../shared/api/schemas-forest';
import type { TrainOn } from '../../shared/api/schemas-cluster';
import type { Catalog } from '../catalog/catalog';
import { findModel } from '../catalog/models';
import { peftOfFullModelRefusal } from '../../engine/export/index';
import type { ExportJobPayload } from '../../engine/export/job';
import { crashPoint } from '../jobs/crash-point';
import { JobQueue, type Job } from '../jobs/queue';
import { JobRunner, type WorkerLauncher } from '../jobs/runner';
import { domainDir } from '../store/domains';
import { forestTokenizerDir } from '../store/init';
import { isJobKindName, type JobKindName } from '../jobs/kinds';
import { exportTarget, type ExportTarget } from './export-target';
import { JOB_KINDS } from './kinds/index';
import { assertExpertNameFree, type IngestPayload } from './kinds/ingest';
import { assertLightStartHasParents } from './expert-plan';
import type { JobKind, JobOwnerContext } from './kinds/kind';
import { PathRoots } from './path-roots';

/** The owner's description of a job's kind; none for a kind this Grove no longer has (queued by an older version). */
function kindOf(job: Job): JobKind | undefined {
  return isJobKindName(job.kind) ? JOB_KINDS[job.kind] : undefined;
}

export function jobView(job: Job): JobView {
  const kind = kindOf(job);
  const progress = kind ? kind.progress(job) : { done: job.status === 'done' ? 1 : 0, total: 1, etaSeconds: null };
  return { id: job.id, kind: job.kind, label: kind ? kind.label(job) : job.kind, status: job.status, error: job.error, ...progress };
}

export class ServiceJobs {
  readonly queue: JobQueue;
  private readonly runner: JobRunner | null;
  private readonly ctx: JobOwnerContext;

  constructor(
    private readonly catalog: Catalog,
    private readonly forestHome: string,
    launcher: WorkerLauncher | undefined,
    private readonly emit: (job: JobView, forestChanged: boolean) => void,
    emitEvent: (event: GroveEvent) => void = () => undefined,
    /** Where the calls may read folders and write exports (path-roots.ts). */
    readonly paths: PathRoots = PathRoots.unrestricted(),
  ) {
    this.queue = new JobQueue(catalog);
    this.ctx = { catalog, forestHome, enqueue: (kind, payload) => this.enqueueJob(kind, payload), emit: emitEvent };
    this.runner = launcher
      ? new JobRunner(this.queue, launcher, forestHome, {
          progress: (job, progress) => {
            kindOf(job)?.onProgress?.(job, progress, this.ctx);
            emit(jobView(this.queue.get(job.id)), false);
          },
          record: (job, record) => {
            kindOf(job)?.onRecord?.(job, record, this.ctx);
            crashPoint(`record:${String((record as { kind?: unknown } | null)?.kind)}`);
          },
          log: (job, line) => emitEvent({ type: 'job.log', jobId: job.id, line }),
          result: (job, result) => {
            kindOf(job)?.onResult?.(job, result, this.ctx);
            crashPoint(`result:${job.kind}`);
          },
          finished: (job) => {
            kindOf(job)?.onFinished?.(job, this.ctx);
            emit(jobView(this.queue.get(job.id)), true);
          },
        })
      : null;
    this.recover();
  }

  /**
   * Jobs whose owner process is gone (a killed CLI, a crashed app) go back to the queue; with a runner this
   * process then runs them. Every job command calls this first, so none sees a dead owner's job as live.
   */
  private recover(): void {
    const recovered = this.queue.recoverInterrupted();
    if (this.runner) void this.runner.drain();
    for (const job of recovered) this.emit(jobView(this.queue.get(job.id)), false);
  }

  /** Stops running jobs before the catalog closes (see JobRunner.close). */
  close(): void {
    this.runner?.close();
  }

  /** Queues a job, starts the runner on it, and tells the UIs. */
  enqueueJob(kind: JobKindName, payload: unknown): Job {
    const runner = this.requireRunner();
    const job = this.queue.enqueue(kind, payload);
    void runner.drain();
    this.emit(jobView(job), false);
    return job;
  }

  private requireRunner(): JobRunner {
    if (!this.runner) throw new GroveError('unsupported', 'This Grove process runs no background jobs; use the app or `grove serve`.');
    return this.runner;
  }

  /**
   * Queues the ingest of a folder as a domain; with `expert`, the expert to train on it once ingested. That
   * follow-up is queued by the ingest's own commit (kinds/ingest.ts), so no kill between the two loses it;
   * its name is checked now, before any work.
   */
  addDomain(folder: string, domain: string, expert?: ApiInput<'addDomain'>['expert'], on: TrainOn = 'local'): JobView {
    this.requireRunner();
    const then = expert === undefined ? undefined : DomainExpert.parse(expert);
    if (then) assertExpertNameFree(this.catalog, then.name ?? domain);
    if (then) assertLightStartHasParents(this.catalog, then.init, then.light);
    return this.ingestDomain(this.paths.folder(folder), domain, then, on);
  }

  /**
   * addDomain's queueing, for a folder already checked (a discovered domain's links, made by Grove in the forest home).
   * `together`: on Slurm, the domains whose experts go as one job array (kinds/ingest.ts).
   */
  ingestDomain(abs: string, domain: string, then: DomainExpert | undefined, on: TrainOn = 'local', together?: string[]): JobView {
    const tokenizer = join(forestTokenizerDir(this.forestHome), 'tokenizer.json');
    if (!existsSync(tokenizer))
      throw new GroveError('conflict', 'This forest has no tokenizer yet: create the forest first (`grove init --from <model folder>`).');
    const payload: IngestPayload = {
      folder: abs,
      out: domainDir(this.forestHome, domain),
      tokenizer,
      domain,
      ...(then ? { then: { expert: then, ...(on === 'slurm' ? { on, ...(together ? { together } : {}) } : {}) } } : {}),
    };
    return jobView(this.enqueueJob('ingest', payload));
  }

  /**
   * Queues an export of a forest model (by name or id) or a model folder; the worker writes it. A light expert
   * goes out as a PEFT adapter, or folded into its base as a full model; a full model has no PEFT form.
   */
  exportModel(input: ApiInput<'exportModel'>): JobView {
    this.requireRunner();
    let target: ExportTarget;
    if (existsSync(input.model) && statSync(input.model).isDirectory()) target = { folder: this.paths.folder(input.model, 'model folder') };
    else {
      const model = findModel(this.catalog, input.model);
      if (!model)
        throw new GroveError(
          'not_found',
          `No model named ${JSON.stringify(input.model)} in this forest, and no such folder; choose a model from the forest.`,
          { model: input.model },
        );
      target = exportTarget(this.catalog, this.forestHome, model);
    }
    const format = input.format ?? defaultExportFormat(target.light !== undefined);
    if (format === 'peft' && !target.light) throw peftOfFullModelRefusal(input.model);
    const wanted = input.out ?? defaultExportPath(this.forestHome, basename(input.model), format);
    const out = this.paths.destination(wanted, this.forestHome);
    // The forest's own exports folder (the default destination) is made on first use; any other must exist.
    if (dirname(resolve(wanted)) === join(this.forestHome, 'exports')) mkdirSync(join(this.forestHome, 'exports'), { recursive: true });
    const tokenizerDir = forestTokenizerDir(this.forestHome);
    const payload: ExportJobPayload = {
      folder: target.folder,
      ...(target.light
        ? { light: { folder: target.light.folder, peft: { hubId: target.light.peft.hubId ?? null, fallback: target.light.peft.fallback } } }
        : {}),
      name: input.model,
      format,
      out,
      dtype: input.dtype ?? defaultExportDtype(format),
      force: input.force ?? false,
      ...(existsSync(join(tokenizerDir, 'tokenizer.json')) ? { tokenizerDir } : {}),
    };
    return jobView(this.enqueueJob('export', payload));
  }

  list(): JobView[] {
    this.recover();
    return this.queue.list().slice(-50).map(jobView);
  }

  cancel(id: number): JobView {
    this.recover();
    const job = this.queue.get(id);
    if (this.runner?.runningJobId === id) this.runner.stop(id, 'cancel');
    else if (job.status === 'queued' || job.status === 'paused') {
      this.queue.cancel(id);
      // No worker ends it: its kind hears of it here, as from a running job's end (a Slurm job scancels its tasks).
      const cancelled = this.queue.get(id);
      kindOf(cancelled)?.onFinished?.(cancelled, this.ctx);
      this.emit(jobView(cancelled), true);
    } else
      throw new GroveError(
        'conflict',
        job.status === 'running' ? this.elsewhere(id) : `Job ${id} is ${job.status}: there is nothing to cancel.`,
      );
    return jobView(this.queue.get(id));
  }

  /** Pauses a job: a running one checkpoints and stops (it resumes from there); a queued one waits. */
  pause(id: number): JobView {
    this.recover();
    const job = this.queue.get(id);
    if (this.runner?.runningJobId === id) this.runner.stop(id, 'pause');
    else if (job.status === 'queued') this.queue.pause(id);
    else
      throw new GroveError(
        'conflict',
        job.status === 'running' ? this.elsewhere(id) : `Job ${id} is ${job.status}: only a queued or running job can be paused.`,
      );
    const view = jobView(this.queue.get(id));
    this.emit(view, false);
    return view;
  }

  /** Why a job that another live Grove process runs cannot be changed from here. */
  private elsewhere(id: number): string {
    return `Job ${id} is running in another Grove process (pid ${this.queue.ownerPid(id) ?? '?'}); pause or cancel it there, or wait for it.`;
  }

  /**
   * Queues a paused or failed job again; it continues from its last checkpoint. A job that is queued or
   * already running here (an interrupted one this process recovered and took up) simply goes on.
   */
  resume(id: number): JobView {
    const runner = this.requireRunner();
    this.recover();
    const job = this.queue.get(id);
    const goingOn = job.status === 'queued' || runner.runningJobId === id;
    if (!goingOn && job.status !== 'paused' && job.status !== 'failed') {
      throw new GroveError(
        'conflict',
        job.status === 'running' ? this.elsewhere(id) : `Job ${id} is ${job.status}: only a paused or failed job can be resumed.`,
      );
    }
    if (!goingOn) this.queue.resume(id);
    void runner.drain();
    const view = jobView(this.queue.get(id));
    this.emit(view, false);
    return view;
  }
}
