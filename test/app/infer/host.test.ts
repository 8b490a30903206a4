// The inference host's bookkeeping, over a scripted worker handle: streamed deltas reach the right reply,
// a stop goes to the worker holding the reply, a crash fails only that worker's replies (a fresh worker
// serves the next), and an idle worker is shut down.
import { describe, expect, it } from 'vitest';
import { InferenceHost, type InferWorkerHandle } from '../../../src/app/infer/host';
import type { FromInfer, ToInfer } from '../../../src/app/infer/protocol';
import type { ReplyRequest, ReplyResult } from '../../../src/app/infer/reply';

class ScriptedWorker implements InferWorkerHandle {
  sent: ToInfer[] = [];
  killed = false;
  private listener: (m: FromInfer) => void = () => {};
  private exitListener: (code: number | null, signal: string | null) => void = () => {};
  send(m: ToInfer): void {
    this.sent.push(m);
  }
  onMessage(f: (m: FromInfer) => void): void {
    this.listener = f;
  }
  onExit(f: (code: number | null, signal: string | null) => void): void {
    this.exitListener = f;
  }
  kill(): void {
    this.killed = true;
    this.exitListener(null, 'SIGKILL');
  }
  reply(m: FromInfer): void {
    this.listener(m);
  }
}

const request = {
  tokenizerDir: '/t',
  input: { kind: 'text', text: 'x' },
  mix: { kind: 'single', model: { name: 'a', key: 'a', folder: '/a' } },
  sampling: {},
  maxTokens: 4,
} satisfies ReplyRequest;
const result = (text: string): ReplyResult => ({
  text,
  tokens: 1,
  promptTokens: 1,
  finish: 'length',
  posterior: [{ name: 'a', weight: 1 }],
  dropped: { messages: 0, tokens: 0 },
});

describe('InferenceHost', () => {
  it('starts one worker, routes deltas and results by reply, and stops the right one', async () => {
    const workers: ScriptedWorker[] = [];
    const host = new InferenceHost(() => (workers.push(new ScriptedWorker()), workers.at(-1)!));
    const deltas: string[] = [];
    const a = host.reply(request, (t) => deltas.push(`a:${t}`));
    const b = host.reply(request, (t) => deltas.push(`b:${t}`));
    expect(workers).toHaveLength(1);
    const w = workers[0]!;
    expect(w.sent.map((m) => m.type)).toEqual(['reply', 'reply']);
    w.reply({ type: 'delta', id: b.id, text: 'y', weights: [] });
    w.reply({ type: 'delta', id: a.id, text: 'x', weights: [] });
    expect(host.stop(a.id)).toBe(true);
    expect(w.sent.at(-1)).toEqual({ type: 'stop', id: a.id });
    w.reply({ type: 'done', id: a.id, result: result('x') });
    w.reply({ type: 'error', id: b.id, error: { code: 'bad_input', message: 'no' } });
    expect(await a.done).toEqual(result('x'));
    await expect(b.done).rejects.toMatchObject({ code: 'bad_input', message: 'no' });
    expect(deltas).toEqual(['b:y', 'a:x']);
    expect(host.stop(a.id)).toBe(false);
    host.close();
    expect(w.sent.at(-1)).toEqual({ type: 'shutdown' });
  });

  it('fails the replies of a crashed worker only, and the next reply starts a fresh worker', async () => {
    const workers: ScriptedWorker[] = [];
    const host = new InferenceHost(() => (workers.push(new ScriptedWorker()), workers.at(-1)!));
    const first = host.reply(request, () => {});
    workers[0]!.kill();
    await expect(first.done).rejects.toThrow(
      /The inference worker was killed \(SIGKILL\) during this reply\. Send the message again: a fresh worker starts\./,
    );
    expect(host.running).toBe(false);
    const second = host.reply(request, () => {});
    expect(workers).toHaveLength(2);
    workers[1]!.reply({ type: 'done', id: second.id, result: result('ok') });
    expect((await second.done).text).toBe('ok');
    host.close();
  });

  it('shuts an idle worker down, and starts another when asked again', async () => {
    const workers: ScriptedWorker[] = [];
    const host = new InferenceHost(() => (workers.push(new ScriptedWorker()), workers.at(-1)!), { idleMs: 20 });
    const r = host.reply(request, () => {});
    workers[0]!.reply({ type: 'done', id: r.id, result: result('x') });
    await r.done;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(workers[0]!.sent.at(-1)).toEqual({ type: 'shutdown' });
    expect(host.running).toBe(false);
    host.reply(request, () => {});
    expect(workers).toHaveLength(2);
    host.close();
  });
});
