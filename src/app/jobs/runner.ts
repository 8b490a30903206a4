// Runs queued jobs one at a time, each in its own worker process: a crash in the worker (even SIGKILL)
// fails the job with the reason and never takes the owner down; the job can be resumed and picks up from
// its last checkpoint. Progress goes to the catalog and to listeners (the UI, the CLI's progress line).
import type { JobQueue, Job } from './queue';
import type { FromWorker, JobSpec, ToWorker } from './protocol';

/** A started worker process, whatever kind (Node child process or Electron utilityProcess). */
export interface WorkerHandle {
  send(message: ToWorker): void;
  onMessage(listener: (message: FromWorker) => void): void;
  /** Called once when the process is gone: exit code, or the signal that killed it. */
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  kill(): void;
}

export type WorkerLauncher = () => WorkerHandle;

export interface RunnerEvents {
  progress?(job: Job, progress: unknown): void;
  /** A fact the worker sent for the catalog (see JobContext.record); throwing fails the job. */
  record?(job: Job, record: unknown): void;
  /** The handler's result, before the job is marked done (e.g. to record an ingest report in the catalog). */
  result?(job: Job, result: unknown): void;
  log?(job: Job, line: string): void;
  finished?(job: Job): void;
}

export class JobRunner {
  private current: { job: Job; worker: WorkerHandle } | null = null;
  private draining: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly queue: JobQueue,
    private readonly launch: WorkerLauncher,
    private readonly forestHome: string,
    private readonly events: RunnerEvents = {},
  ) {}

  /** Runs queued jobs until the queue is empty; concurrent calls share one drain. */
  drain(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.draining ??= this.runQueued().finally(() => {
      this.draining = null;
      // A job queued while the last drain was finishing would otherwise wait for the next call.
      if (!this.closed && this.queue.list(['queued']).length > 0) void this.drain();
    });
    return this.draining;
  }

  private async runQueued(): Promise<void> {
    for (let job = this.next(); job; job = this.next()) await this.runOne(job);
  }

  private next(): Job | null {
    return this.closed ? null : this.queue.claimNext();
  }

  /**
   * Stops taking jobs (the owner is closing its catalog). A job still running keeps its worker until this
   * process exits (the worker then stops at a checkpoint: worker-main.ts); its messages are dropped and the
   * job is recovered from its checkpoint by the next owner.
   */
  close(): void {
    this.closed = true;
  }

  /** Asks the running job to stop; it checkpoints first. Returns false when that job is not running. */
  stop(jobId: number, reason: 'cancel' | 'pause'): boolean {
    if (this.current?.job.id !== jobId) return false;
    this.current.worker.send({ type: 'stop', reason });
    return true;
  }

  get runningJobId(): number | null {
    return this.current?.job.id ?? null;
  }

  private runOne(job: Job): Promise<void> {
    return new Promise<void>((resolve) => {
      const worker = this.launch();
      this.current = { job, worker };
      let settled = false;
      let recordError: string | null = null;
      const settle = (): void => {
        if (settled) return;
        settled = true;
        this.current = null;
        if (!this.closed) this.events.finished?.(this.queue.get(job.id));
        resolve();
      };
      worker.onMessage((m) => {
        if (this.closed) return;
        if (m.type === 'progress') {
          this.queue.reportProgress(job.id, m.progress);
          this.events.progress?.(job, m.progress);
        } else if (m.type === 'record') {
          try {
            this.events.record?.(job, m.record);
          } catch (err) {
            // The worker goes on, but its result would not be whole: stop it and fail the job with the reason.
            recordError = err instanceof Error ? err.message : String(err);
            worker.send({ type: 'stop', reason: 'cancel' });
          }
        } else if (m.type === 'log') {
          this.events.log?.(job, m.line);
        } else if (recordError !== null && (m.type === 'done' || m.type === 'stopped' || m.type === 'error')) {
          this.queue.fail(job.id, `The job's progress could not be recorded in the catalog: ${recordError}`);
        } else if (m.type === 'done') {
          try {
            this.events.result?.(job, m.result);
            this.queue.complete(job.id);
          } catch (err) {
            this.queue.fail(
              job.id,
              `The job finished but its result could not be recorded: ${err instanceof Error ? err.message : String(err)}`,
            );
          }
        } else if (m.type === 'stopped') {
          if (m.reason === 'pause') this.queue.pause(job.id);
          else this.queue.cancel(job.id);
        } else if (m.type === 'error') {
          this.queue.fail(job.id, m.error.message);
        }
      });
      worker.onExit((code, signal) => {
        if (this.closed) return settle();
        if (this.queue.get(job.id).status === 'running') {
          this.queue.fail(
            job.id,
            `The worker process ${signal ? `was killed (${signal})` : `exited with code ${code}`} before finishing; resume the job to continue from its last checkpoint.`,
          );
        }
        settle();
      });
      const spec: JobSpec = { id: job.id, kind: job.kind, payload: job.payload, forestHome: this.forestHome };
      worker.send({ type: 'run', job: spec });
    });
  }
}
