// Browser mode: calls go to `grove serve` as POST /api/call/<method>; events arrive on a WebSocket that
// reconnects with back-off. The access token comes from the address `grove serve` printed (#token=...).
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

export function httpTransport(origin: string, token: string): GroveTransport {
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
    subscribe(listener) {
      let socket: WebSocket | null = null;
      let closed = false;
      let delay = 500;
      const open = (): void => {
        socket = new WebSocket(`${origin.replace(/^http/, 'ws')}/api/events?token=${encodeURIComponent(token)}`);
        socket.onopen = () => (delay = 500);
        socket.onmessage = (m) => listener(JSON.parse(String(m.data)));
        socket.onclose = () => {
          if (closed) return;
          setTimeout(open, delay);
          delay = Math.min(delay * 2, 10_000);
        };
      };
      open();
      return () => {
        closed = true;
        socket?.close();
      };
    },
  };
}
