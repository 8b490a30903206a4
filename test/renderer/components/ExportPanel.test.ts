import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import ExportPanel from '../../../src/renderer/src/components/ExportPanel.svelte';
import { ForestState } from '../../../src/renderer/src/lib/forest-state.svelte';
import type { JobView } from '../../../src/shared/api';
import { fakeApi } from '../fake-api';

const job = (status: JobView['status'], done = 0): JobView => ({
  id: 4,
  kind: 'export',
  label: 'Export “news” as hf',
  status,
  done,
  total: 10,
  etaSeconds: null,
  error: null,
});
const info = {
  version: '0.1.0',
  forestHome: '/home/me/grove',
  transport: 'http' as const,
  runtime: { onnxruntimeVersion: '1.30.0', cpuCores: 2, providers: [] },
  memory: { totalBytes: 16e9, availableBytes: 8e9 },
};

describe('ExportPanel', () => {
  it('suggests a destination in the forest’s exports folder per format, and exports with the choices made', async () => {
    const api = fakeApi({ exportModel: () => job('queued') });
    const forest = new ForestState(api);
    forest.info = info;
    forest.start();
    render(ExportPanel, { forest, model: 'news', onclose: () => {} });
    const out = screen.getByLabelText('Destination on the engine’s machine') as HTMLInputElement;
    expect(out.value).toBe('/home/me/grove/exports/news.gguf');
    await fireEvent.click(screen.getByLabelText(/Hugging Face folder/));
    expect(out.value).toBe('/home/me/grove/exports/news-hf');
    // Half precision by default (happy-dom does not drive a bound <select>; Chromium does, in the e2e tests).
    expect((screen.getByLabelText('Precision') as HTMLSelectElement).value).toBe('f16');
    await fireEvent.click(screen.getByRole('button', { name: 'Export' }));
    expect(api.exportModel).toHaveBeenCalledWith({
      model: 'news',
      format: 'hf',
      out: '/home/me/grove/exports/news-hf',
      dtype: 'f16',
      force: false,
    });
    await screen.findByTestId('job-progress');
    api.emit({ type: 'job.changed', job: job('running', 5) });
    expect((await screen.findByRole('progressbar')).getAttribute('aria-valuenow')).toBe('5');
    api.emit({ type: 'job.changed', job: job('done', 10) });
    expect((await screen.findByTestId('export-done')).textContent).toBe('Written to /home/me/grove/exports/news-hf.');
  });

  it('keeps a destination typed by hand and says why the engine refused it', async () => {
    const forest = new ForestState(fakeApi());
    forest.info = info;
    forest.start();
    render(ExportPanel, { forest, model: 'news', onclose: () => {} });
    await fireEvent.input(screen.getByLabelText('Destination on the engine’s machine'), { target: { value: '/tmp/news.gguf' } });
    await fireEvent.click(screen.getByLabelText(/ONNX/));
    expect((screen.getByLabelText('Destination on the engine’s machine') as HTMLInputElement).value).toBe('/tmp/news.gguf');
    // ONNX holds f32 only: the one precision offered (16-bit was offered, and the engine refused it).
    const precision = screen.getByLabelText('Precision') as HTMLSelectElement;
    expect([...precision.options].map((o) => o.value)).toEqual(['f32']);
    expect(precision.value).toBe('f32');
    await fireEvent.click(screen.getByRole('button', { name: 'Export' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/exportModel is not answered/);
  });

  it('offers a light expert as a PEFT adapter first, and says the other formats fold it into its base', async () => {
    const api = fakeApi({ exportModel: () => job('queued') });
    const forest = new ForestState(api);
    forest.info = info;
    forest.start();
    render(ExportPanel, { forest, model: 'law', light: true, onclose: () => {} });
    const peft = screen.getByLabelText(/PEFT adapter/) as HTMLInputElement;
    expect(peft.checked).toBe(true);
    expect((screen.getByLabelText('Destination on the engine’s machine') as HTMLInputElement).value).toBe(
      '/home/me/grove/exports/law-peft',
    );
    expect(screen.getByLabelText(/GGUF/).closest('label')!.textContent).toMatch(/the adapter folded into its base: a full model/);
    await fireEvent.click(screen.getByRole('button', { name: 'Export' }));
    // An adapter stays 32-bit by default, as `grove export` writes it (shared/api/defaults.ts).
    expect(api.exportModel).toHaveBeenCalledWith({
      model: 'law',
      format: 'peft',
      out: '/home/me/grove/exports/law-peft',
      dtype: 'f32',
      force: false,
    });
  });

  it('offers no PEFT adapter for a full model', () => {
    const forest = new ForestState(fakeApi());
    forest.info = info;
    forest.start();
    render(ExportPanel, { forest, model: 'news', onclose: () => {} });
    expect(screen.queryByLabelText(/PEFT adapter/)).toBeNull();
    expect((screen.getByLabelText(/GGUF/) as HTMLInputElement).checked).toBe(true);
    expect(screen.getByLabelText(/GGUF/).closest('label')!.textContent).not.toMatch(/folded/);
  });

  it('asks in a dialog before replacing what is at the destination, and exports with force only when confirmed', async () => {
    const api = fakeApi({ exportModel: () => job('queued') });
    const forest = new ForestState(api);
    forest.info = info;
    forest.start();
    render(ExportPanel, { forest, model: 'news', onclose: () => {} });
    await fireEvent.click(screen.getByLabelText('Replace what is there'));
    await fireEvent.click(screen.getByRole('button', { name: 'Export' }));
    const dialog = screen.getByRole('dialog', { name: 'Replace what is at this destination?' });
    expect(dialog.textContent).toMatch('/home/me/grove/exports/news.gguf');
    expect(api.exportModel).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByRole('button', { name: 'Keep what is there' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(api.exportModel).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByRole('button', { name: 'Export' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Replace and export' }));
    expect(api.exportModel).toHaveBeenCalledWith({
      model: 'news',
      format: 'gguf',
      out: '/home/me/grove/exports/news.gguf',
      dtype: 'f16',
      force: true,
    });
    await screen.findByTestId('job-progress');
  });
});
