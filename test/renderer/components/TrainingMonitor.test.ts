import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import TrainingMonitor from '../../../src/renderer/src/components/TrainingMonitor.svelte';
import type { TrainProgress } from '../../../src/shared/api';

const step = (s: number, extra: Partial<TrainProgress> = {}): TrainProgress => ({
  step: s,
  totalSteps: 200,
  tokens: s * 4096,
  loss: 5 - s / 100,
  lr: 1e-3,
  gradNorm: 1,
  tokensPerSecond: 12_345,
  etaSeconds: (200 - s) * 0.5,
  ...extra,
});

describe('TrainingMonitor', () => {
  it('shows a waiting state before the first step', () => {
    render(TrainingMonitor, { history: [], device: 'cpu', chart: false });
    expect(screen.getByText(/Waiting for the first training step/)).toBeTruthy();
  });

  it('shows progress, ETA, speed and the latest train and validation losses', () => {
    const history = [step(49), step(50, { validLoss: 4.61 }), step(51)];
    render(TrainingMonitor, { history, device: 'cuda', chart: false });
    const bar = screen.getByRole('progressbar');
    expect(bar.getAttribute('aria-valuenow')).toBe('51');
    expect(bar.getAttribute('aria-valuemax')).toBe('200');
    expect(screen.getByTestId('progress-text').textContent).toBe('26 % · 1 min 15 s left');
    expect(screen.getByTestId('train-loss').textContent).toBe('4.490');
    expect(screen.getByTestId('valid-loss').textContent).toBe('4.610');
    expect(screen.getByTestId('tokens-per-second').textContent).toBe('12.3 k');
    expect(screen.getByText('cuda')).toBeTruthy();
  });

  it('says 100 % without an ETA when done', () => {
    render(TrainingMonitor, { history: [step(200, { etaSeconds: 0 })], device: 'cpu', chart: false });
    expect(screen.getByTestId('progress-text').textContent).toBe('100 %');
  });

  it('offers pause and cancel while running, resume and cancel while paused, nothing when done', async () => {
    const onpause = vi.fn();
    const onresume = vi.fn();
    const oncancel = vi.fn();
    const history = [step(20)];
    const running = render(TrainingMonitor, { history, device: 'cpu', chart: false, status: 'running', onpause, onresume, oncancel });
    expect(screen.queryByRole('button', { name: 'Resume' })).toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'Pause' }));
    expect(onpause).toHaveBeenCalledOnce();
    running.unmount();

    const paused = render(TrainingMonitor, { history, device: 'cpu', chart: false, status: 'paused', onpause, onresume, oncancel });
    expect(screen.queryByRole('button', { name: 'Pause' })).toBeNull();
    expect(screen.getByTestId('paused-note')).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Resume' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(onresume).toHaveBeenCalledOnce();
    expect(oncancel).toHaveBeenCalledOnce();
    paused.unmount();

    render(TrainingMonitor, {
      history: [step(200, { etaSeconds: 0 })],
      device: 'cpu',
      chart: false,
      status: 'done',
      onpause,
      onresume,
      oncancel,
    });
    expect(screen.queryAllByRole('button')).toEqual([]);
  });
});
