// The body of a worker process: receives one job, runs its handler, reports progress, and exits.
// Works over Node's child-process IPC and over Electron's utilityProcess parentPort alike.
import { toErrorData } from '../../shared/api/errors';
import { GroveError } from '../../shared/api/errors';
import type { FromWorker, JobHandler, ToWorker } from './protocol';

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

/** Connects to whichever parent started this process; null when run by hand (no parent). */
function connect(): Parent | null {
  const electronPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (electronPort) {
    // postMessage hands the message to Electron at once; a turn of the event loop lets it go out.
    return { send: (m) => electronPort.postMessage(m), flushed: () => new Promise((r) => setImmediate(r)), onMessage: (f) => electronPort.on('message', (e) => f(e.data as ToWorker)) };
  }
  if (process.send) {
    const send = process.send.bind(process);
    let last: Promise<void> = Promise.resolve();
    return {
      // Node's IPC queues messages while the pipe is busy; the callback says when one has been written.
      send: (m) => {
        last = new Promise((resolve) => void send(m, undefined, {}, () => resolve()));
      },
      flushed: () => last,
      onMessage: (f) => process.on('message', (m) => f(m as ToWorker)),
    };
  }
  return null;
}

export function runWorker(handlers: Readonly<Record<string, JobHandler>>): void {
  const parent = connect();
  if (!parent) {
    console.error('This is a Grove worker process: it is started by Grove, not by hand.');
    process.exit(2);
  }
  const controller = new AbortController();
  parent.onMessage(async (message) => {
    if (message.type === 'stop') {
      controller.abort(message.reason);
      return;
    }
    const { job } = message;
    try {
      const handler = handlers[job.kind];
      if (!handler) throw new GroveError('unsupported', `This Grove has no job kind ${JSON.stringify(job.kind)}; known: ${Object.keys(handlers).join(', ')}.`);
      const result = await handler(job.payload, {
        forestHome: job.forestHome,
        signal: controller.signal,
        progress: (progress) => parent.send({ type: 'progress', progress }),
        record: (record) => parent.send({ type: 'record', record }),
        log: (line) => parent.send({ type: 'log', line }),
      });
      parent.send(controller.signal.aborted ? { type: 'stopped', reason: controller.signal.reason as 'cancel' | 'pause' } : { type: 'done', result });
    } catch (err) {
      parent.send({ type: 'error', error: toErrorData(err) });
    }
    // Exit only once the last message (and every progress report before it) has reached the parent.
    await parent.flushed();
    process.exit(0);
  });
}
