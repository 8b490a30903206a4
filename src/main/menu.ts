// The application menu: the platform's usual roles and shortcuts, and File > New expert from folder… (Ctrl/Cmd+O).
import { Menu, type MenuItemConstructorOptions } from 'electron';
import { openExternalLink } from './security';

export interface MenuActions {
  /** Opens the native folder dialog; the chosen folder starts a new expert. */
  openFolder(): void;
}

export function buildMenu(actions: MenuActions): Menu {
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'New Expert from Folder…', accelerator: 'CmdOrCtrl+O', click: () => actions.openFolder() },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [{ label: 'Branch-Train-Merge paper', click: () => openExternalLink('https://arxiv.org/abs/2208.03306') }],
    },
  ];
  return Menu.buildFromTemplate(template);
}
