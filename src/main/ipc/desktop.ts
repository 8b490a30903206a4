// Desktop-only calls the browser mode cannot offer: the native "Open folder" dialog (and the menu's). Checked for its sender
// like the API channel; answers a path or null (dialog cancelled).
import { BrowserWindow, dialog, ipcMain, type IpcMainInvokeEvent } from 'electron';
import { IPC_OPEN_FOLDER_CHANNEL, IPC_PICK_FOLDER_CHANNEL } from '../../shared/api/desktop';

export function registerDesktopIpc(isTrustedUrl: (url: string) => boolean): () => void {
  ipcMain.handle(IPC_PICK_FOLDER_CHANNEL, async (event: IpcMainInvokeEvent, title: unknown): Promise<string | null> => {
    const url = event.senderFrame?.url ?? '';
    if (!isTrustedUrl(url)) return null;
    const owner = BrowserWindow.fromWebContents(event.sender);
    const options = {
      title: typeof title === 'string' && title.length <= 200 ? title : 'Choose a folder',
      properties: ['openDirectory' as const],
    };
    const picked = owner ? await dialog.showOpenDialog(owner, options) : await dialog.showOpenDialog(options);
    return picked.canceled ? null : (picked.filePaths[0] ?? null);
  });
  return () => ipcMain.removeHandler(IPC_PICK_FOLDER_CHANNEL);
}

/** File > New expert from folder…: the native dialog, then the chosen folder goes to the window's renderer. */
export async function sendOpenFolder(win: BrowserWindow): Promise<void> {
  const picked = await dialog.showOpenDialog(win, {
    title: 'Choose a folder of documents for a new expert',
    properties: ['openDirectory'],
  });
  const path = picked.canceled ? null : picked.filePaths[0];
  if (path && !win.webContents.isDestroyed()) win.webContents.send(IPC_OPEN_FOLDER_CHANNEL, path);
}
