// Messages between the process that owns the job queue (Electron main, or the CLI) and a worker process
// (Electron utilityProcess, or a Node child process). Plain JSON-serialisable data only.
import type { GroveErrorData } from '../../shared/api/errors';

export interface JobSpec {
  id: number;
  kind: string;
  payload: unknown;
  /** The forest home the job works in (the worker never opens the catalog: its owner does). */
  forestHome: string;
}

export type ToWorker = { type: 'run'; job: JobSpec } | { type: 'stop'; reason: 'cancel' | 'pause' };

export type FromWorker =
  | { type: 'progress'; progress: unknown }
  /** A fact for the catalog, recorded by the owner as the job goes (a prior estimated, a model stored). */
  | { type: 'record'; record: unknown }
  | { type: 'log'; line: string }
  | { type: 'done'; result: unknown }
  | { type: 'stopped'; reason: 'cancel' | 'pause' }
  | { type: 'error'; error: GroveErrorData };

export interface JobContext {
  forestHome: string;
  signal: AbortSignal;
  progress(progress: unknown): void;
  /** Sends a fact the owner writes to the catalog now, before the job ends (the worker never opens it). */
  record(record: unknown): void;
  log(line: string): void;
}

/** What a job kind does, inside the worker. Throwing fails the job; an abort returns normally. */
export type JobHandler = (payload: unknown, ctx: JobContext) => Promise<unknown>;
