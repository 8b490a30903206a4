// Picks the transport: the preload's bridge inside Electron, HTTP against `grove serve` in a browser.
import type { GroveApi } from '../../../shared/api';
import { createClient } from './client';
import { eventSocketFor, httpTransport, takeToken, type EventSocket } from './http-transport';

/** `events`: browser mode's event socket, whose drops the page shows (Electron's IPC does not drop). */
export type Connection = { ok: true; api: GroveApi; events?: EventSocket } | { ok: false; reason: string };

export function connect(win: Window): Connection {
  if (win.groveBridge) return { ok: true, api: createClient(win.groveBridge) };
  const token = takeToken(win.location, win.sessionStorage, win.history);
  if (!token) return { ok: false, reason: 'No access token. Open the full address that `grove serve` printed (it ends in #token=…).' };
  const events = eventSocketFor(win.location.origin, token);
  return { ok: true, api: createClient(httpTransport(win.location.origin, token, events)), events };
}
