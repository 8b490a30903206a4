// The application menu: the platform's usual roles and shortcuts.
import { Menu, shell, type MenuItemConstructorOptions } from 'electron';

export function buildMenu(): Menu {
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [{ label: 'Branch-Train-Merge paper', click: () => void shell.openExternal('https://arxiv.org/abs/2208.03306') }],
    },
  ];
  return Menu.buildFromTemplate(template);
}
