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

/** Where the page's event socket stands: open, opening, or waiting to try again at `retryAt` (ms since epoch). */
export type LinkState = { kind: 'open' } | { kind: 'connecting' } | { kind: 'waiting'; retryAt: number };

/**
 * One event socket per page, shared by every subscriber: opened with the first, closed with the last, so
 * views that come and go never add sockets. A dropped socket reconnects after a jittered, doubling delay
 * (capped, reset once a socket opens), so many pages of a restarted server do not retry in step; the
 * page can show that wait and cut it short.
 */
export class EventSocket {
  private readonly listeners = new Set<Listener>();
  private readonly watchers = new Set<(state: LinkState) => void>();
  private socket: WebSocket | null = null;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private delay = FIRST_RETRY_MS;
  state: LinkState = { kind: 'connecting' };

  constructor(
    private readonly url: string,
    private readonly Socket: typeof WebSocket = WebSocket,
  ) {}

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    if (!this.socket && !this.retry) this.open();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.shut();
    };
  }

  /** Follows the socket's state; returns the unsubscribe. */
  watch(watcher: (state: LinkState) => void): () => void {
    this.watchers.add(watcher);
    watcher(this.state);
    return () => this.watchers.delete(watcher);
  }

  /** Tries again now instead of at the end of the wait. */
  retryNow(): void {
    if (!this.retry) return;
    clearTimeout(this.retry);
    this.open();
  }

  private setState(state: LinkState): void {
    this.state = state;
    for (const watcher of [...this.watchers]) watcher(state);
  }

  private open(): void {
    this.retry = null;
    const ws = new this.Socket(this.url);
    this.socket = ws;
    this.setState({ kind: 'connecting' });
    ws.onopen = () => {
      this.delay = FIRST_RETRY_MS;
      this.setState({ kind: 'open' });
    };
    ws.onmessage = (m) => {
      const event: unknown = JSON.parse(String(m.data));
      for (const listener of [...this.listeners]) listener(event);
    };
    ws.onclose = () => {
      if (this.socket !== ws) return; // closed on purpose, or replaced
      this.socket = null;
      const wait = this.delay * (0.5 + Math.random() / 2);
      this.retry = setTimeout(() => this.open(), wait);
      this.delay = Math.min(this.delay * 2, MAX_RETRY_MS);
      this.setState({ kind: 'waiting', retryAt: Date.now() + wait });
    };
  }

  private shut(): void {
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    const ws = this.socket;
    this.socket = null;
    ws?.close();
  }
}

export function httpTransport(origin: string, token: string, events: EventSocket = eventSocketFor(origin, token)): GroveTransport {
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
    subscribe: (listener) => events.subscribe(listener),
  };
}

export function eventSocketFor(origin: string, token: string): EventSocket {
  return new EventSocket(`${origin.replace(/^http/, 'ws')}/api/events?token=${encodeURIComponent(token)}`);
}
