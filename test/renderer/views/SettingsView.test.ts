import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PREFS, loadPrefs } from '../../../src/renderer/src/lib/prefs';
import SettingsView from '../../../src/renderer/src/views/SettingsView.svelte';
import { fakeApi } from '../fake-api';

/** An engine whose OpenAI-compatible endpoint is off. */
const offApi = () =>
  fakeApi({
    openaiEndpoint: () => ({ enabled: false, url: null, key: null, problem: null }),
    mixes: () => [],
    clusterSettings: () => ({ trainOn: 'local', slurm: null }),
  });

const info = {
  version: '0.1.0',
  forestHome: '/home/me/.grove',
  transport: 'http' as const,
  runtime: {
    onnxruntimeVersion: '1.22.0',
    cpuCores: 2,
    providers: [
      { name: 'cpu', available: true },
      { name: 'cuda', available: false, reason: 'no GPU' },
    ],
  },
  memory: { totalBytes: 16e9, availableBytes: 8e9 },
};

describe('SettingsView', () => {
  it('shows the forest home and the devices the engine found', () => {
    render(SettingsView, { info, api: offApi(), prefs: { ...DEFAULT_PREFS }, onclose: () => {} });
    expect(screen.getByTestId('forest-home').textContent).toBe('/home/me/.grove');
    expect([...screen.getByTestId('providers').querySelectorAll('li')].map((li) => li.textContent)).toEqual([
      'cpu: available',
      'cuda: not available (no GPU)',
    ]);
  });

  it('saves the theme and default budget and applies the theme at once', async () => {
    localStorage.clear();
    render(SettingsView, { info, api: offApi(), prefs: { ...DEFAULT_PREFS }, onclose: () => {} });
    await fireEvent.change(screen.getByLabelText('Theme'), { target: { value: 'dark' } });
    expect(document.documentElement.dataset.theme).toBe('dark');
    await fireEvent.change(screen.getByLabelText('Default budget'), { target: { value: '25' } });
    await fireEvent.change(screen.getByLabelText('Unit'), { target: { value: 'steps' } });
    await fireEvent.change(screen.getByLabelText('Default device'), { target: { value: 'cpu' } });
    expect(loadPrefs(localStorage)).toEqual({ ...DEFAULT_PREFS, theme: 'dark', budgetKind: 'steps', budgetValue: 25, device: 'cpu' });
  });

  it('sets the training and chat threads, with the engine machine’s cores said beside them', async () => {
    localStorage.clear();
    render(SettingsView, { info, api: offApi(), prefs: { ...DEFAULT_PREFS }, onclose: () => {} });
    expect(screen.getByText(/machine has 2 CPU cores/)).toBeTruthy();
    await fireEvent.change(screen.getByLabelText('Training threads'), { target: { value: '1' } });
    expect(loadPrefs(localStorage).threads).toBe(1);
    // Not a whole number: nothing saved.
    await fireEvent.change(screen.getByLabelText('Training threads'), { target: { value: '1.5' } });
    expect(loadPrefs(localStorage).threads).toBe(1);
    await fireEvent.change(screen.getByLabelText('Chat threads'), { target: { value: '1' } });
    expect(loadPrefs(localStorage)).toMatchObject({ threads: 1, chatThreads: 1 });
  });

  it('offers the inference weights chat runs with, f32 / 8-bit / 4-bit, and keeps the choice', async () => {
    localStorage.clear();
    render(SettingsView, { info, api: offApi(), prefs: { ...DEFAULT_PREFS }, onclose: () => {} });
    const select = screen.getByLabelText('Inference weights') as HTMLSelectElement;
    expect([...select.options].map((o) => [o.value, o.textContent])).toEqual([
      ['f32', 'f32'],
      ['8', '8-bit'],
      ['4', '4-bit'],
    ]);
    expect(select.value).toBe('f32');
    await fireEvent.change(select, { target: { value: '4' } });
    expect(loadPrefs(localStorage)).toEqual({ ...DEFAULT_PREFS, quant: '4' });
  });

  it('sets how often training checkpoints, by steps and by minutes', async () => {
    localStorage.clear();
    render(SettingsView, { info, api: offApi(), prefs: { ...DEFAULT_PREFS }, onclose: () => {} });
    await fireEvent.change(screen.getByLabelText('Checkpoint every (steps)'), { target: { value: '30' } });
    await fireEvent.change(screen.getByLabelText('or every (minutes)'), { target: { value: '2' } });
    expect(loadPrefs(localStorage)).toMatchObject({ checkpointSteps: 30, checkpointMinutes: 2 });
    // Zero minutes would never checkpoint by time: nothing saved.
    await fireEvent.change(screen.getByLabelText('or every (minutes)'), { target: { value: '0' } });
    expect(loadPrefs(localStorage).checkpointMinutes).toBe(2);
  });
});
