// Preload (sandboxed, context-isolated): exposes one narrow bridge, `window.groveBridge`, that can only
// invoke Grove's API channel and listen to its event channel. No Node or Electron object leaks through.
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { IPC_OPEN_FOLDER_CHANNEL, IPC_PICK_FOLDER_CHANNEL, type DesktopBridge } from '../shared/api/desktop';
import { API_METHODS, IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL } from '../shared/api/methods';
import type { Envelope, GroveTransport } from '../shared/api/envelope';

const bridge: GroveTransport & { methods: readonly string[] } = {
  methods: API_METHODS,
  call: (method, input) => ipcRenderer.invoke(IPC_CALL_CHANNEL, method, input) as Promise<Envelope>,
  subscribe(listener) {
    const handler = (_event: IpcRendererEvent, payload: unknown): void => listener(payload);
    ipcRenderer.on(IPC_EVENT_CHANNEL, handler);
    return () => ipcRenderer.removeListener(IPC_EVENT_CHANNEL, handler);
  },
};

contextBridge.exposeInMainWorld('groveBridge', bridge);

// Desktop extras: the native folder dialog and the real path of a dropped folder (File.path is gone in Electron 32+).
const desktop: DesktopBridge = {
  pickFolder: (title) => ipcRenderer.invoke(IPC_PICK_FOLDER_CHANNEL, title) as Promise<string | null>,
  pathForFile: (file) => webUtils.getPathForFile(file),
  onOpenFolder(listener) {
    const handler = (_event: IpcRendererEvent, path: unknown): void => {
      if (typeof path === 'string') listener(path);
    };
    ipcRenderer.on(IPC_OPEN_FOLDER_CHANNEL, handler);
    return () => ipcRenderer.removeListener(IPC_OPEN_FOLDER_CHANNEL, handler);
  },
};
contextBridge.exposeInMainWorld('groveDesktop', desktop);
