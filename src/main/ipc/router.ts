// The only place that touches ipcMain: every call is checked for its sender, validated by schema
// (shared/api/dispatch), run on the engine, and answered as data ({ok, result} or {ok, error}).
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, type GroveApi } from '../../shared/api';
import { dispatchCall } from '../../shared/api/dispatch';
import { GroveError, toErrorData } from '../../shared/api/errors';
import type { Envelope } from '../../shared/api/envelope';

export interface IpcRouterOptions {
  api: GroveApi;
  /** True when a frame URL is the app's own renderer (file:// build or the dev server). */
  isTrustedUrl: (url: string) => boolean;
}

export function registerIpc({ api, isTrustedUrl }: IpcRouterOptions): () => void {
  ipcMain.handle(IPC_CALL_CHANNEL, async (event: IpcMainInvokeEvent, method: unknown, input: unknown): Promise<Envelope> => {
    try {
      const url = event.senderFrame?.url ?? '';
      if (!isTrustedUrl(url)) throw new GroveError('forbidden', `IPC from an untrusted frame (${url || 'unknown'}) was refused.`);
      return { ok: true, result: await dispatchCall(api, method, input) };
    } catch (err) {
      return { ok: false, error: toErrorData(err) };
    }
  });
  return () => ipcMain.removeHandler(IPC_CALL_CHANNEL);
}

/** Forwards engine events to a window for as long as it lives. */
export function forwardEvents(api: GroveApi, contents: WebContents): void {
  const off = api.onEvent((event) => {
    if (!contents.isDestroyed()) contents.send(IPC_EVENT_CHANNEL, event);
  });
  contents.once('destroyed', off);
}
