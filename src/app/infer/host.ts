// The owner's side of the inference worker: starts it on the first reply (Node child process or Electron
// utilityProcess, the same launchers as the job workers), sends it replies, routes their streamed text
// back, and stops it after a while idle so its models do not hold memory forever. A crash of the worker
// fails the replies in flight with a clear error; the next reply starts a fresh worker.
import { GroveError } from '../../shared/api/errors';
import type { ExpertWeight } from '../../engine/generate/ensemble-decoder';
import type { WorkerLauncher } from '../jobs/runner';
import type { FromInfer, ToInfer } from './protocol';
import type { ReplyRequest, ReplyResult } from './reply';
import type { RuntimeFacts } from '../../engine/runtime/runtime-facts';
import type { TokenLogprob } from './token-logprobs';

export interface InferWorkerHandle {
  send(message: ToInfer): void;
  onMessage(listener: (message: FromInfer) => void): void;
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  kill(): void;
}

/**
 * The job launchers start whatever worker entry they are given and pass JSON messages both ways; only
 * their types name the job protocol. This views one as a launcher of the inference worker.
 */
export function inferLauncherFrom(launch: WorkerLauncher): () => InferWorkerHandle {
  return launch as unknown as () => InferWorkerHandle;
}

interface Pending {
  /** The worker process the reply was sent to. */
  worker: InferWorkerHandle;
  onDelta(text: string, weights: ExpertWeight[], logprobs?: TokenLogprob[]): void;
  resolve(result: ReplyResult): void;
  reject(err: Error): void;
}

export const DEFAULT_IDLE_MS = 10 * 60_000;

export class InferenceHost {
  private worker: InferWorkerHandle | null = null;
  private readonly pending = new Map<number, Pending>();
  /** Questions about the runtime in flight (their answers are not replies). */
  private readonly asked = new Map<number, { worker: InferWorkerHandle; resolve(facts: RuntimeFacts): void; reject(err: Error): void }>();
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly launch: () => InferWorkerHandle,
    private readonly o: { idleMs?: number } = {},
  ) {}

  /** Starts a reply; `done` settles when it ends (stopped replies resolve with finish 'aborted'). */
  reply(request: ReplyRequest, onDelta: Pending['onDelta']): { id: number; done: Promise<ReplyResult> } {
    const id = this.nextId++;
    this.clearIdle();
    const worker = this.ensureWorker();
    const done = new Promise<ReplyResult>((resolve, reject) => this.pending.set(id, { worker, onDelta, resolve, reject }));
    worker.send({ type: 'reply', id, request });
    return { id, done };
  }

  /** The runtime's version and the execution providers that really run here, as the worker finds them. */
  runtime(): Promise<RuntimeFacts> {
    const id = this.nextId++;
    this.clearIdle();
    const worker = this.ensureWorker();
    const answer = new Promise<RuntimeFacts>((resolve, reject) => this.asked.set(id, { worker, resolve, reject }));
    worker.send({ type: 'runtime', id });
    return answer;
  }

  /** Asks the worker to stop a reply; false when it is not in flight. */
  stop(id: number): boolean {
    const p = this.pending.get(id);
    if (!p) return false;
    p.worker.send({ type: 'stop', id });
    return true;
  }

  /** Kills the worker (tests use it to check crash handling; the next reply starts a fresh one). */
  killWorker(): void {
    this.worker?.kill();
  }

  get running(): boolean {
    return this.worker !== null;
  }

  close(): void {
    this.clearIdle();
    const worker = this.worker;
    if (!worker) return;
    this.worker = null; // the next reply starts a fresh worker
    worker.send({ type: 'shutdown' });
    // A worker busy in a long forward pass gets a moment to exit by itself.
    setTimeout(() => worker.kill(), 2000).unref();
  }

  private ensureWorker(): InferWorkerHandle {
    if (this.worker) return this.worker;
    const worker = this.launch();
    this.worker = worker;
    worker.onMessage((m) => this.onMessage(m));
    worker.onExit((code, signal) => {
      if (this.worker === worker) this.worker = null;
      const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
      for (const [id, p] of this.pending) {
        if (p.worker !== worker) continue;
        this.pending.delete(id);
        p.reject(
          new GroveError('internal', `The inference worker ${how} during this reply. Send the message again: a fresh worker starts.`, {
            code,
            signal,
          }),
        );
      }
      for (const [id, q] of this.asked) {
        if (q.worker !== worker) continue;
        this.asked.delete(id);
        q.reject(
          new GroveError(
            'internal',
            `The inference worker ${how} while probing the execution providers: a GPU driver may have failed. Grove keeps running; reload to probe again.`,
            { code, signal },
          ),
        );
      }
    });
    return worker;
  }

  private onMessage(m: FromInfer): void {
    if (m.type === 'ready') return;
    const q = this.asked.get(m.id);
    if (q && (m.type === 'runtime' || m.type === 'error')) {
      this.asked.delete(m.id);
      if (m.type === 'runtime') q.resolve(m.runtime);
      else q.reject(GroveError.fromData(m.error));
      if (this.pending.size === 0 && this.asked.size === 0) this.armIdle();
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.type === 'delta') return p.onDelta(m.text, m.weights, m.logprobs);
    if (m.type === 'runtime') return;
    this.pending.delete(m.id);
    if (m.type === 'done') p.resolve(m.result);
    else p.reject(GroveError.fromData(m.error));
    if (this.pending.size === 0 && this.asked.size === 0) this.armIdle();
  }

  private armIdle(): void {
    this.clearIdle();
    this.idleTimer = setTimeout(() => {
      if (this.pending.size === 0 && this.asked.size === 0) this.close();
    }, this.o.idleMs ?? DEFAULT_IDLE_MS);
    this.idleTimer.unref();
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }
}
