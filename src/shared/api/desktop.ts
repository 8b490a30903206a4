// What only the Electron preload offers the renderer, beside the API transport. The browser mode has none
// of it and shows a path field instead.

/** IPC channel of the native "Open folder" dialog. */
export const IPC_PICK_FOLDER_CHANNEL = 'grove:pick-folder';
/** Main -> renderer: a folder chosen from the menu (File > New expert from folder…), to become a domain. */
export const IPC_OPEN_FOLDER_CHANNEL = 'grove:open-folder';

export interface DesktopBridge {
  /** Native folder dialog; null when cancelled. */
  pickFolder(title?: string): Promise<string | null>;
  /** Absolute path of a file or folder dropped onto the window (webUtils.getPathForFile); '' when it has none. */
  pathForFile(file: File): string;
  /** Folders chosen from the app menu; returns the unsubscribe. */
  onOpenFolder(listener: (path: string) => void): () => void;
}
