// Browser mode: calls go to `grove serve` as POST /api/call/<method>; events arrive on one WebSocket per page
// that reconnects with back-off. The access token comes from the address `grove serve` printed (#token=...).
import type { Envelope, GroveTransport } from '../../../shared/api/envelope';

const TOKEN_KEY = 'grove.token';

/** Takes the token from the URL fragment (then removes it from the address bar) or from this tab's storage. */
export function takeToken(loc: Location, storage: Storage, history: History): string | null {
  const match = /(?:^#|&)token=([^&]+)/.exec(loc.hash);
  if (match?.[1]) {
    const token = decodeURIComponent(match[1]);
    storage.setItem(TOKEN_KEY, token);
    history.replaceState(null, '', loc.pathname + loc.search);
    return token;
  }
  return storage.getItem(TOKEN_KEY);
}

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 10_000;

type Listener = (event: unknown) => void;

/**
 * One event socket per page, shared by every subscriber: opened with the first, closed with the last, so
 * views that come and go never add sockets. A dropped socket reconnects after a jittered, doubling delay
 * (capped, reset once a socket opens), so many pages of a restarted server do not retry in step.
 */
export function sharedEventSocket(url: string, Socket: typeof WebSocket = WebSocket): (listener: Listener) => () => void {
  const listeners = new Set<Listener>();
  let socket: WebSocket | null = null;
  let retry: ReturnType<typeof setTimeout> | null = null;
  let delay = FIRST_RETRY_MS;
  const open = (): void => {
    retry = null;
    const ws = new Socket(url);
    socket = ws;
    ws.onopen = () => (delay = FIRST_RETRY_MS);
    ws.onmessage = (m) => {
      const event: unknown = JSON.parse(String(m.data));
      for (const listener of [...listeners]) listener(event);
    };
    ws.onclose = () => {
      if (socket !== ws) return; // closed on purpose, or replaced
      socket = null;
      retry = setTimeout(open, delay * (0.5 + Math.random() / 2));
      delay = Math.min(delay * 2, MAX_RETRY_MS);
    };
  };
  return (listener) => {
    listeners.add(listener);
    if (!socket && !retry) open();
    return () => {
      listeners.delete(listener);
      if (listeners.size > 0) return;
      if (retry) clearTimeout(retry);
      retry = null;
      const ws = socket;
      socket = null;
      ws?.close();
    };
  };
}

export function httpTransport(origin: string, token: string): GroveTransport {
  const subscribe = sharedEventSocket(`${origin.replace(/^http/, 'ws')}/api/events?token=${encodeURIComponent(token)}`);
  return {
    async call(method, input) {
      const res = await fetch(`${origin}/api/call/${method}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify(input),
      });
      try {
        return (await res.json()) as Envelope;
      } catch {
        return { ok: false, error: { code: 'internal', message: `The server answered ${res.status} without a Grove response.` } };
      }
    },
    subscribe,
  };
}
