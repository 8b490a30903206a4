import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import JobProgress from '../../../src/renderer/src/components/JobProgress.svelte';
import { jobsOnScreen } from '../../../src/renderer/src/lib/on-screen.svelte';
import type { JobView } from '../../../src/shared/api';

const job = (extra: Partial<JobView> = {}): JobView => ({
  id: 7,
  kind: 'download',
  label: 'Download “x/y”',
  status: 'running',
  done: 50,
  total: 200,
  etaSeconds: 30,
  error: null,
  ...extra,
});

describe('JobProgress', () => {
  it('shows the bar, the ETA and the phase of a running job, with pause and cancel', async () => {
    const onpause = vi.fn();
    const oncancel = vi.fn();
    render(JobProgress, {
      job: job({ phase: 'Downloading model.safetensors (file 2 of 5) · 12.0 MB/s' }),
      onpause,
      oncancel,
      onresume: vi.fn(),
    });
    expect(screen.getByRole('progressbar', { name: 'Download “x/y”' }).getAttribute('aria-valuenow')).toBe('50');
    expect(screen.getByTestId('progress-text').textContent).toBe('25 % · 30 s left');
    expect(screen.getByTestId('job-phase').textContent).toMatch(/12\.0 MB\/s/);
    expect(screen.queryByRole('button', { name: 'Resume' })).toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'Pause' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(onpause).toHaveBeenCalledOnce();
    expect(oncancel).toHaveBeenCalledOnce();
  });

  it('says why a job failed and offers Resume (a crashed worker continues from its checkpoint)', async () => {
    const onresume = vi.fn();
    render(JobProgress, {
      job: job({
        status: 'failed',
        error: 'The worker process was killed (SIGKILL) before finishing; resume the job to continue from its last checkpoint.',
      }),
      onresume,
      ondismiss: vi.fn(),
    });
    expect(screen.getByRole('alert').textContent).toMatch(/killed \(SIGKILL\)/);
    expect(screen.queryByRole('button', { name: 'Pause' })).toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'Resume' }));
    expect(onresume).toHaveBeenCalledOnce();
    expect(screen.getByRole('button', { name: 'Dismiss' })).toBeTruthy();
  });

  it('marks its job as shown on a screen while mounted, except in the tray', () => {
    const onScreen = render(JobProgress, { job: job({ id: 41 }) });
    expect(jobsOnScreen.has(41)).toBe(true);
    onScreen.unmount();
    expect(jobsOnScreen.has(41)).toBe(false);
    render(JobProgress, { job: job({ id: 42 }), inTray: true });
    expect(jobsOnScreen.has(42)).toBe(false);
  });
});
