// The page's event socket (EventSocket): shared by every subscriber, closed with the last one, and reconnecting after a
// jittered, capped, doubling delay. A scripted socket class stands in for the browser's here (the e2e test
// test/e2e/idle-page.test.ts counts real sockets in Chromium).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventSocket, type LinkState } from '../../../src/renderer/src/lib/http-transport';

class ScriptedSocket {
  static made: ScriptedSocket[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((m: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  closed = false;
  constructor(readonly url: string) {
    ScriptedSocket.made.push(this);
  }
  close(): void {
    this.closed = true;
    this.onclose?.();
  }
  /** The server went away. */
  drop(): void {
    this.onclose?.();
  }
}

const open = () => ScriptedSocket.made.filter((s) => !s.closed);

describe('EventSocket', () => {
  beforeEach(() => {
    ScriptedSocket.made = [];
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('opens one socket for every subscriber, delivers each event to all, and closes with the last', () => {
    const events = new EventSocket('ws://x/api/events', ScriptedSocket as unknown as typeof WebSocket);
    const subscribe = (l: (e: unknown) => void) => events.subscribe(l);
    const a: unknown[] = [];
    const b: unknown[] = [];
    const offA = subscribe((e) => a.push(e));
    const offB = subscribe((e) => b.push(e));
    expect(ScriptedSocket.made).toHaveLength(1);
    ScriptedSocket.made[0]!.onmessage!({ data: '{"type":"forest.changed"}' });
    expect(a).toEqual([{ type: 'forest.changed' }]);
    expect(b).toEqual([{ type: 'forest.changed' }]);
    offA();
    expect(open()).toHaveLength(1);
    offB();
    expect(open()).toHaveLength(0);
    vi.advanceTimersByTime(60_000);
    expect(ScriptedSocket.made).toHaveLength(1); // closing on purpose never reconnects
    subscribe(() => undefined);
    expect(ScriptedSocket.made).toHaveLength(2);
  });

  it('reconnects after a drop with jittered delays that double up to 10 s and reset once a socket opens', () => {
    vi.spyOn(Math, 'random').mockReturnValue(1); // the top of each jitter range
    const events = new EventSocket('ws://x/api/events', ScriptedSocket as unknown as typeof WebSocket);
    events.subscribe(() => undefined);
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      ScriptedSocket.made.at(-1)!.drop();
      const before = ScriptedSocket.made.length;
      let waited = 0;
      while (ScriptedSocket.made.length === before) {
        vi.advanceTimersByTime(100);
        waited += 100;
      }
      waits.push(waited);
    }
    expect(waits).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
    ScriptedSocket.made.at(-1)!.onopen!();
    ScriptedSocket.made.at(-1)!.drop();
    vi.advanceTimersByTime(500);
    expect(ScriptedSocket.made).toHaveLength(9);
    vi.restoreAllMocks();
  });

  it('says where it stands (opening, open, waiting until when) and retries at once when asked', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0); // the bottom of each jitter range: half the delay
    const events = new EventSocket('ws://x/api/events', ScriptedSocket as unknown as typeof WebSocket);
    const states: LinkState['kind'][] = [];
    events.watch((s) => states.push(s.kind));
    events.subscribe(() => undefined);
    ScriptedSocket.made[0]!.onopen!();
    ScriptedSocket.made[0]!.drop();
    expect(events.state).toEqual({ kind: 'waiting', retryAt: Date.now() + 250 });
    events.retryNow();
    expect(ScriptedSocket.made).toHaveLength(2);
    expect(states).toEqual(['connecting', 'connecting', 'open', 'waiting', 'connecting']);
    vi.advanceTimersByTime(60_000);
    expect(ScriptedSocket.made).toHaveLength(2); // the cancelled wait does not open a third
    vi.restoreAllMocks();
  });
});
