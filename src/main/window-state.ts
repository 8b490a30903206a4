// Remembers the main window's size, position and maximised state between runs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { screen, type BrowserWindow, type Rectangle } from 'electron';
import { writeFileDurableSync } from '../engine/durable-write';

export interface WindowState {
  bounds: Rectangle;
  maximized: boolean;
}

const DEFAULT: WindowState = { bounds: { x: 0, y: 0, width: 1280, height: 820 }, maximized: false };

export function loadWindowState(dir: string): WindowState & { placed: boolean } {
  try {
    const saved = JSON.parse(readFileSync(join(dir, 'window-state.json'), 'utf8')) as WindowState;
    const visible = screen.getAllDisplays().some((d) => {
      const a = d.workArea;
      return (
        saved.bounds.x < a.x + a.width &&
        saved.bounds.x + saved.bounds.width > a.x &&
        saved.bounds.y < a.y + a.height &&
        saved.bounds.y + saved.bounds.height > a.y
      );
    });
    if (visible && saved.bounds.width >= 640 && saved.bounds.height >= 480) return { ...saved, placed: true };
  } catch {
    // first run, or an unreadable file: use the default
  }
  return { ...DEFAULT, placed: false };
}

export function trackWindowState(win: BrowserWindow, dir: string): void {
  const save = (): void => {
    const state: WindowState = { bounds: win.getNormalBounds(), maximized: win.isMaximized() };
    const file = join(dir, 'window-state.json');
    writeFileDurableSync(file, JSON.stringify(state));
  };
  win.on('close', save);
}
