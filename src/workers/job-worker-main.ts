// The body of a worker process: receives one job, runs its handler, reports progress, and exits.
// Works over Node's child-process IPC and over Electron's utilityProcess parentPort alike.
// A worker lives only as long as its owner: when the owner dies (a SIGKILLed CLI, a crashed app), nothing
// would record what the worker does, and the next Grove process recovers the job and starts its own
// worker; an orphan would be a second writer on the same run. So the worker watches its owner (the IPC
// channel's 'disconnect', and the parent pid as a second line that also covers utilityProcess), stops
// the job as a pause (training checkpoints first) and exits, at the latest after a grace period.
import { toErrorData } from '../shared/api/errors';
import { GroveError } from '../shared/api/errors';
import { watchOwner } from '../engine/process-alive';
import { isJobKindName, type JobKindName } from '../app/jobs/kinds';
import type { FromWorker, JobHandler, ToWorker } from '../app/jobs/protocol';

interface ParentPort {
  on(event: 'message', listener: (message: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

interface Parent {
  send(m: FromWorker): void;
  /** Resolves once every message sent so far has left this process (so exiting loses none). */
  flushed(): Promise<void>;
  onMessage(f: (m: ToWorker) => void): void;
}

/** How often the parent pid is checked, and how long an orphan may take to checkpoint before it exits. */
const OWNER_CHECK_MS = 1000;
const ORPHAN_GRACE_MS = 20_000;

/** Connects to whichever parent started this process; null when run by hand (no parent). */
function connect(): Parent | null {
  const electronPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (electronPort) {
    // postMessage hands the message to Electron at once; a turn of the event loop lets it go out.
    return {
      send: (m) => electronPort.postMessage(m),
      flushed: () => new Promise((r) => setImmediate(r)),
      onMessage: (f) => electronPort.on('message', (e) => f(e.data as ToWorker)),
    };
  }
  if (process.send) {
    const send = process.send.bind(process);
    let last: Promise<void> = Promise.resolve();
    return {
      // Node's IPC queues messages while the pipe is busy; the callback says when one has been written.
      // Once the owner is gone there is no one to tell: messages are dropped (the callback reports the error).
      send: (m) => {
        if (!process.connected) return;
        last = new Promise((resolve) => void send(m, undefined, {}, () => resolve()));
      },
      flushed: () => last,
      onMessage: (f) => process.on('message', (m) => f(m as ToWorker)),
    };
  }
  return null;
}

export function runWorker(handlers: Readonly<Record<JobKindName, JobHandler>>): void {
  const parent = connect();
  if (!parent) {
    console.error('This is a Grove worker process: it is started by Grove, not by hand.');
    process.exit(2);
  }
  const controller = new AbortController();
  let running = false;
  let orphaned = false;
  const ownerGone = (): void => {
    if (orphaned) return;
    orphaned = true;
    if (!running) process.exit(0);
    controller.abort('pause');
    // Not unref'd: this timer is what ends a job that does not stop in time.
    setTimeout(() => process.exit(3), ORPHAN_GRACE_MS);
  };
  watchOwner(ownerGone, OWNER_CHECK_MS);
  parent.onMessage(async (message) => {
    if (message.type === 'stop') {
      controller.abort(message.reason);
      return;
    }
    const { job } = message;
    running = true;
    try {
      if (!isJobKindName(job.kind))
        throw new GroveError(
          'unsupported',
          `This Grove has no job kind ${JSON.stringify(job.kind)}; known: ${Object.keys(handlers).join(', ')}.`,
        );
      const result = await handlers[job.kind](job.payload, {
        forestHome: job.forestHome,
        signal: controller.signal,
        progress: (progress) => parent.send({ type: 'progress', progress }),
        record: (record) => parent.send({ type: 'record', record }),
        log: (line) => parent.send({ type: 'log', line }),
      });
      parent.send(
        controller.signal.aborted ? { type: 'stopped', reason: controller.signal.reason as 'cancel' | 'pause' } : { type: 'done', result },
      );
    } catch (err) {
      parent.send({ type: 'error', error: toErrorData(err) });
    }
    // Exit only once the last message (and every progress report before it) has reached the parent.
    await parent.flushed();
    process.exit(0);
  });
}
