// The body of the inference worker: a long-lived process that keeps models open between messages and
// runs one reply at a time (they would only compete for the same cores), in the order asked. Works over
// Node's child-process IPC and Electron's utilityProcess parentPort alike.
import { GroveError, toErrorData } from '../shared/api/errors';
import { watchOwner } from '../engine/process-alive';
import { ModelPool } from '../app/infer/model-pool';
import type { FromInfer, ToInfer } from '../app/infer/protocol';
import { runReply, type ReplyRequest } from '../app/infer/reply';
import { runtimeFacts } from '../engine/runtime/runtime-facts';

interface ParentPort {
  on(event: 'message', listener: (message: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

function connect(): { send(m: FromInfer): void; onMessage(f: (m: ToInfer) => void): void } | null {
  const electronPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (electronPort)
    return { send: (m) => electronPort.postMessage(m), onMessage: (f) => electronPort.on('message', (e) => f(e.data as ToInfer)) };
  if (process.send) {
    const send = process.send.bind(process);
    return { send: (m) => void send(m), onMessage: (f) => process.on('message', (m) => f(m as ToInfer)) };
  }
  return null;
}

export function runInferenceWorker(): void {
  const parent = connect();
  if (!parent) {
    console.error('This is the Grove inference worker: it is started by Grove, not by hand.');
    process.exit(2);
  }
  // It holds no state worth saving: when its owner goes (a killed `grove serve`, a crashed app), it goes too,
  // rather than linger as an orphan holding models in memory.
  watchOwner(() => process.exit(0));
  // Threads: ONNX Runtime's default (every core); training in another process shares them.
  const pool = new ModelPool({ run: { threads: Number(process.env.GROVE_INFER_THREADS ?? 0) } });
  const queue: { id: number; request: ReplyRequest; controller: AbortController }[] = [];
  let running: (typeof queue)[number] | null = null;

  const pump = async (): Promise<void> => {
    if (running) return;
    while ((running = queue.shift() ?? null)) {
      const { id, request, controller } = running;
      try {
        const result = await runReply(pool, request, {
          signal: controller.signal,
          onDelta: (text, weights, logprobs) => parent.send({ type: 'delta', id, text, weights, ...(logprobs ? { logprobs } : {}) }),
        });
        parent.send({ type: 'done', id, result });
      } catch (err) {
        parent.send({ type: 'error', id, error: toErrorData(err) });
      }
    }
  };

  parent.onMessage((m) => {
    if (m.type === 'reply') {
      queue.push({ id: m.id, request: m.request, controller: new AbortController() });
      void pump();
    } else if (m.type === 'stop') {
      if (running?.id === m.id) running.controller.abort();
      const i = queue.findIndex((q) => q.id === m.id);
      // A reply stopped before it started ends at once, with nothing generated.
      if (i >= 0) {
        queue.splice(i, 1);
        parent.send({
          type: 'done',
          id: m.id,
          result: { text: '', tokens: 0, promptTokens: 0, finish: 'aborted', posterior: [], dropped: { messages: 0, tokens: 0 } },
        });
      }
    } else if (m.type === 'runtime') {
      // Beside the reply queue: a probe takes a moment, and the app asks for it as it opens.
      runtimeFacts().then(
        (runtime) => parent.send({ type: 'runtime', id: m.id, runtime }),
        (err: unknown) => parent.send({ type: 'error', id: m.id, error: toErrorData(err) }),
      );
    } else if (m.type === 'shutdown') {
      for (const q of queue.splice(0))
        parent.send({
          type: 'error',
          id: q.id,
          error: new GroveError('internal', 'The inference worker was shut down before this reply started.').toData(),
        });
      running?.controller.abort();
      void pool.close().finally(() => setTimeout(() => process.exit(0), 20));
    }
  });
  parent.send({ type: 'ready' });
}
