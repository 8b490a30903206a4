// Desktop-only calls the browser mode cannot offer: the native "Open folder" dialog. Checked for its sender
// like the API channel; answers a path or null (dialog cancelled).
import { BrowserWindow, dialog, ipcMain, type IpcMainInvokeEvent } from 'electron';
import { IPC_PICK_FOLDER_CHANNEL } from '../../shared/api/desktop';

export function registerDesktopIpc(isTrustedUrl: (url: string) => boolean): () => void {
  ipcMain.handle(IPC_PICK_FOLDER_CHANNEL, async (event: IpcMainInvokeEvent, title: unknown): Promise<string | null> => {
    const url = event.senderFrame?.url ?? '';
    if (!isTrustedUrl(url)) return null;
    const owner = BrowserWindow.fromWebContents(event.sender);
    const options = { title: typeof title === 'string' && title.length <= 200 ? title : 'Choose a folder', properties: ['openDirectory' as const] };
    const picked = owner ? await dialog.showOpenDialog(owner, options) : await dialog.showOpenDialog(options);
    return picked.canceled ? null : (picked.filePaths[0] ?? null);
  });
  return () => ipcMain.removeHandler(IPC_PICK_FOLDER_CHANNEL);
}
