// What a call returns over any transport: a result, or an error as data.
import type { GroveErrorData } from './errors';

export type Envelope = { ok: true; result: unknown } | { ok: false; error: GroveErrorData };

/** The low-level transport the renderer's client is built on: Electron's preload bridge, or HTTP + WebSocket. */
export interface GroveTransport {
  call(method: string, input: unknown): Promise<Envelope>;
  subscribe(listener: (event: unknown) => void): () => void;
}
