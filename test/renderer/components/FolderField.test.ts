import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import FolderField from '../../../src/renderer/src/components/FolderField.svelte';
import type { DesktopBridge } from '../../../src/shared/api/desktop';

// The Electron preload cannot run here; this object has its shape and records what the field asks of it.
function desktopAnswering(picked: string | null, dropped: string): DesktopBridge & { titles: (string | undefined)[] } {
  const titles: (string | undefined)[] = [];
  return { titles, pickFolder: async (title) => (titles.push(title), picked), pathForFile: () => dropped, onOpenFolder: () => () => {} };
}

describe('FolderField', () => {
  it('in the browser shows only the path field', () => {
    render(FolderField, { label: 'Folder' });
    expect(screen.getByLabelText('Folder')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Choose…' })).toBeNull();
  });

  it('in Electron fills the path from the native dialog', async () => {
    const desktop = desktopAnswering('/data/law', '');
    render(FolderField, { label: 'Folder', desktop });
    await fireEvent.click(screen.getByRole('button', { name: 'Choose…' }));
    await Promise.resolve();
    expect((screen.getByLabelText('Folder') as HTMLInputElement).value).toBe('/data/law');
    expect(desktop.titles).toEqual(['Choose folder']);
  });

  it('in Electron keeps the typed path when the dialog is cancelled', async () => {
    render(FolderField, { label: 'Folder', value: '/typed', desktop: desktopAnswering(null, '') });
    await fireEvent.click(screen.getByRole('button', { name: 'Choose…' }));
    await Promise.resolve();
    expect((screen.getByLabelText('Folder') as HTMLInputElement).value).toBe('/typed');
  });

  it('in Electron takes the path of a dropped folder', async () => {
    render(FolderField, { label: 'Folder', desktop: desktopAnswering(null, '/data/dropped') });
    const file = new File([''], 'dropped');
    await fireEvent.drop(screen.getByTestId('folder-field'), { dataTransfer: { files: [file] } });
    expect((screen.getByLabelText('Folder') as HTMLInputElement).value).toBe('/data/dropped');
  });
});
