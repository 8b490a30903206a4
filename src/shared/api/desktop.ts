// What only the Electron preload offers the renderer, beside the API transport. The browser mode has none
// of it and shows a path field instead.

/** IPC channel of the native "Open folder" dialog. */
export const IPC_PICK_FOLDER_CHANNEL = 'grove:pick-folder';

export interface DesktopBridge {
  /** Native folder dialog; null when cancelled. */
  pickFolder(title?: string): Promise<string | null>;
  /** Absolute path of a file or folder dropped onto the window (webUtils.getPathForFile); '' when it has none. */
  pathForFile(file: File): string;
}
