import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { ForestState } from '../../../src/renderer/src/lib/forest-state.svelte';
import TrainingView from '../../../src/renderer/src/views/TrainingView.svelte';
import type { ForestSummary, JobView } from '../../../src/shared/api';
import type { RunView } from '../../../src/shared/api/schemas-forest';
import { fakeApi } from '../fake-api';

const summary: ForestSummary = {
  forest: { id: 1, name: 'woods', createdAt: '2025-01-01' },
  domains: [{ id: 1, name: 'news', sourcePath: null, stats: null }],
  models: [
    {
      id: 1,
      name: 'seed',
      role: 'seed',
      domainId: null,
      status: 'ready',
      domain: null,
      parameters: 1,
      weightsBytes: 4,
      inferenceBytes: null,
      tokensTrained: 0,
      ownDomainPerplexity: null,
      createdAt: '2025-01-01',
      kind: 'full',
      light: null,
    },
    {
      id: 2,
      name: 'news',
      role: 'expert',
      domainId: 1,
      status: 'training',
      domain: 'news',
      parameters: 1,
      weightsBytes: 4,
      inferenceBytes: null,
      tokensTrained: 0,
      ownDomainPerplexity: null,
      createdAt: '2025-01-01',
      kind: 'full',
      light: null,
    },
  ],
  lineage: [{ child: 2, parent: 1, weight: 1 }],
};
const run = (extra: Partial<RunView> = {}): RunView => ({
  id: 5,
  modelId: 2,
  modelName: 'news',
  domain: 'news',
  status: 'running',
  step: 40,
  totalSteps: 100,
  tokens: 40_960,
  device: 'cpu',
  lastLoss: 4.2,
  lastValidLoss: null,
  jobId: 9,
  error: null,
  createdAt: '2025-01-01',
  updatedAt: '2025-01-01',
  estimate: null,
  actual: null,
  ...extra,
});
const job = (status: JobView['status'], error: string | null = null): JobView => ({
  id: 9,
  kind: 'expert',
  label: 'Train expert “news”',
  status,
  done: 40,
  total: 100,
  etaSeconds: 60,
  error,
  runId: 5,
});
const info = {
  version: '0.1.0',
  forestHome: '/f',
  transport: 'http' as const,
  runtime: { onnxruntimeVersion: '1.30.0', cpuCores: 2, providers: [{ name: 'cpu', available: true }] },
  memory: { totalBytes: 16e9, availableBytes: 8e9 },
};

async function openWith(runs: RunView[], jobs: JobView[]) {
  const api = fakeApi({
    info: () => info,
    forestSummary: () => summary,
    jobs: () => jobs,
    runs: () => runs,
    evaluations: () => [],
    runMetrics: () => ({
      runId: 5,
      points: [
        { step: 10, split: 'train', loss: 5, tokensPerSecond: 2000 },
        { step: 40, split: 'train', loss: 4.2 },
        { step: 40, split: 'valid', loss: 4.4 },
      ],
    }),
    pauseJob: () => job('paused'),
    resumeJob: () => job('queued'),
  });
  const forest = new ForestState(api);
  forest.start();
  render(TrainingView, { forest, onnewexpert: () => {} });
  await screen.findByTestId('run-title');
  return { api, forest };
}

describe('TrainingView', () => {
  it('after a restart, shows the running run from the catalog: its history, speed, device and controls', async () => {
    const { api } = await openWith([run()], [job('running')]);
    expect(screen.getByTestId('run-title').textContent).toBe('news on “news”');
    await waitFor(() => expect(screen.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('40'));
    expect(screen.getByTestId('train-loss').textContent).toBe('4.200');
    expect(screen.getByTestId('valid-loss').textContent).toBe('4.400');
    expect(screen.getByTestId('tokens-per-second').textContent).toBe('2000');
    expect(screen.getByText('cpu')).toBeTruthy();
    expect(screen.getAllByTestId('weight-value').map((w) => w.textContent)).toEqual(['100 %']);
    // Live progress carries on from there.
    api.emit({
      type: 'train.progress',
      runId: 5,
      progress: { step: 41, totalSteps: 100, tokens: 41_984, loss: 4.1, lr: 1e-3, gradNorm: 1, tokensPerSecond: 3000, etaSeconds: 59 },
    });
    await waitFor(() => expect(screen.getByTestId('train-loss').textContent).toBe('4.100'));
    expect(screen.getByTestId('progress-text').textContent).toBe('41 % · 59 s left');
    await fireEvent.click(screen.getByRole('button', { name: 'Pause' }));
    expect(api.pauseJob).toHaveBeenCalledWith({ id: 9 });
  });

  it('shows the estimate made before the run while it runs, and beside what it took once done', async () => {
    const estimate = { kind: 'light' as const, seconds: 1500, peakMemoryBytes: 1_480_000_000, speed: 'measured' as const };
    await openWith([run({ estimate })], [job('running')]);
    expect((await screen.findByTestId('estimate-vs-actual')).textContent).toBe(
      'Time and memory: estimated 25 min 00 s; peak memory estimated 1.48 GB.',
    );
    cleanup();
    await openWith(
      [run({ status: 'done', step: 100, estimate, actual: { seconds: 1875, peakMemoryBytes: 1_390_000_000 } })],
      [job('done')],
    );
    expect((await screen.findByTestId('estimate-vs-actual')).textContent).toBe(
      'Time and memory: estimated 25 min 00 s, took 31 min 15 s (1.25x the estimate); peak memory estimated 1.48 GB, measured 1.39 GB.',
    );
  });

  it('says no line for a run from before estimates were kept', async () => {
    await openWith([run()], [job('running')]);
    expect(screen.queryByTestId('estimate-vs-actual')).toBeNull();
  });

  it('shows a crashed run’s reason with Resume', async () => {
    const crash = 'The worker process was killed (SIGKILL) before finishing; resume the job to continue from its last checkpoint.';
    const { api } = await openWith([run({ status: 'failed', error: crash })], [job('failed', crash)]);
    expect((await screen.findByTestId('train-error')).textContent).toMatch(/killed \(SIGKILL\)/);
    await fireEvent.click(screen.getByRole('button', { name: 'Resume' }));
    expect(api.resumeJob).toHaveBeenCalledWith({ id: 9 });
  });

  it('has an empty state, and an error state when the runs cannot be read', async () => {
    const api = fakeApi({ info: () => info, forestSummary: () => summary, jobs: () => [], runs: () => [], evaluations: () => [] });
    const forest = new ForestState(api);
    forest.start();
    const view = render(TrainingView, { forest, onnewexpert: () => {} });
    expect((await screen.findByTestId('no-runs')).textContent).toMatch(/No training runs yet/);
    view.unmount();
    const broken = new ForestState(fakeApi({ info: () => info, forestSummary: () => summary, jobs: () => [], evaluations: () => [] }));
    broken.start();
    render(TrainingView, { forest: broken, onnewexpert: () => {} });
    expect((await screen.findByTestId('runs-error')).textContent).toMatch(/runs is not answered/);
  });
});
