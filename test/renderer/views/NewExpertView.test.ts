// The new-expert flow's choice of kind: full or light, each with the engine's estimate of disk, memory and
// time on its machine; the kind that fits chosen by default (until the person picks one); the rank asked
// about again; the speed measured once when nothing says it; the choice passed to trainExpert; where it trains
// (Settings' "Train on": the Slurm cluster said).
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { ForestState } from '../../../src/renderer/src/lib/forest-state.svelte';
import { DEFAULT_PREFS } from '../../../src/renderer/src/lib/prefs';
import NewExpertView from '../../../src/renderer/src/views/NewExpertView.svelte';
import type { DomainReport, ForestSummary, JobView } from '../../../src/shared/api';
import type { KindEstimate, TrainingEstimate } from '../../../src/shared/api/schemas-estimate';
import { fakeApi } from '../fake-api';

const summary: ForestSummary = {
  forest: { id: 1, name: 'woods', createdAt: '2025-01-01' },
  domains: [
    {
      id: 1,
      name: 'recipes',
      sourcePath: '/docs/recipes',
      stats: { accepted: 40, skipped: 1, tokens: 120_000, trainable: true, message: '40 of 41 file(s) accepted.' },
    },
  ],
  models: [
    {
      id: 1,
      name: 'seed',
      role: 'seed',
      domainId: null,
      status: 'ready',
      domain: null,
      parameters: 134_515_008,
      weightsBytes: 269_060_096,
      inferenceBytes: null,
      tokensTrained: 0,
      ownDomainPerplexity: null,
      createdAt: '2025-01-01',
      kind: 'full',
      light: null,
    },
  ],
  lineage: [],
};
const report: DomainReport = { domain: summary.domains[0]!, documents: [] };
const info = {
  version: '0.1.0',
  forestHome: '/f',
  transport: 'http' as const,
  runtime: { onnxruntimeVersion: '1.30.0', cpuCores: 2, providers: [{ name: 'cpu', available: true }] },
  memory: { totalBytes: 8e9, availableBytes: 5e9 },
};

const kind = (k: 'full' | 'light', extra: Partial<KindEstimate>): KindEstimate => ({
  kind: k,
  trainableParameters: k === 'full' ? 134_515_008 : 4_884_480,
  diskBytes: k === 'full' ? 538_090_000 : 19_560_000,
  trainingDiskBytes: k === 'full' ? 4_300_000_000 : 100_000_000,
  peakMemoryBytes: k === 'full' ? 4_224_000_000 : 1_476_000_000,
  fits: 'comfortable',
  flopsPerToken: 1e9,
  steps: 120,
  tokens: 122_880,
  seconds: null,
  tokensPerSecond: null,
  speed: null,
  ...extra,
});
/** A 135M seed on a machine with 5 GB free: full would be tight, light fits; the speed from earlier light runs. */
function estimate(input: { light?: { rank?: number } }, extra: Partial<TrainingEstimate> = {}): TrainingEstimate {
  return {
    domain: 'recipes',
    budget: { steps: 120 },
    domainTokens: 120_000,
    settings: { batchSize: 4, microBatches: 4, contextLength: 256, threads: 0 },
    machine: { totalMemoryBytes: 8e9, availableMemoryBytes: 5e9 },
    full: kind('full', { fits: 'tight', seconds: 1290, tokensPerSecond: 95, speed: { kind: 'runs', of: 'light', runs: 2, device: 'cpu' } }),
    light: kind('light', {
      trainableParameters: (input.light?.rank ?? 16) * 305_280,
      seconds: 900,
      tokensPerSecond: 136,
      speed: { kind: 'runs', of: 'light', runs: 2, device: 'cpu' },
    }),
    recommended: 'light',
    reason: 'A full expert’s training would peak at about 4.22 GB of the 5.00 GB of memory available now; a light one needs about 1.48 GB.',
    ...extra,
  };
}
const started: JobView = {
  id: 7,
  kind: 'expert',
  label: 'Train expert “recipes”',
  status: 'queued',
  done: 0,
  total: 120,
  etaSeconds: null,
  error: null,
};

async function openBranchStep(answers: Parameters<typeof fakeApi>[0]) {
  const api = fakeApi({
    info: () => info,
    forestSummary: () => summary,
    jobs: () => [],
    runs: () => [],
    evaluations: () => [],
    domainReport: () => report,
    trainExpert: () => started,
    ...answers,
  });
  const forest = new ForestState(api);
  forest.start();
  await waitFor(() => expect(forest.summary).not.toBeNull());
  render(NewExpertView, {
    forest,
    prefs: { ...DEFAULT_PREFS, budgetKind: 'steps', budgetValue: 120 },
    domain: 'recipes',
    onstarted: () => {},
    oncancel: () => {},
  });
  await fireEvent.click(await screen.findByRole('button', { name: 'Next: branch' }));
  await screen.findByTestId('expert-kind');
  return api;
}
const radio = (value: 'full' | 'light') => screen.getByTestId(`kind-${value}`).querySelector('input[type=radio]') as HTMLInputElement;

describe('NewExpertView: full or light', () => {
  it('shows disk, memory and time of each kind, chooses the one that fits, and starts it with its rank', async () => {
    const api = await openBranchStep({ trainingEstimate: (input: { light?: { rank?: number } }) => estimate(input) });
    await waitFor(() => expect(radio('light').checked).toBe(true));
    expect(api.trainingEstimate).toHaveBeenCalledWith({ domain: 'recipes', budget: { steps: 120 }, light: { rank: 16 }, device: 'auto' });
    expect(screen.getByTestId('full-disk').textContent).toMatch(/^538 MB \(up to 4\.30 GB while training, until gc\)/);
    expect(screen.getByTestId('light-disk').textContent).toMatch(/^20 MB/);
    expect(screen.getByTestId('full-memory').textContent).toBe('4.22 GB peak: tight in the 5.00 GB available');
    expect(screen.getByTestId('light-memory').textContent).toBe('1.48 GB peak, fits in the 5.00 GB available');
    expect(screen.getByTestId('light-time').textContent).toMatch(/^about 15 min 00 s for 120 steps/);
    expect(screen.getByTestId('light-speed').textContent).toBe('from 2 earlier light runs (cpu)');
    expect(screen.getByTestId('full-speed').textContent).toBe('from 2 earlier light runs, scaled by FLOPs (cpu)');
    expect(screen.getByTestId('kind-light').textContent).toMatch(/fits this machine/);
    expect(screen.getByTestId('kind-reason').textContent).toMatch(/would peak at about 4\.22 GB/);
    expect(api.measureTraining).not.toHaveBeenCalled();

    // A lower rank is asked about again; the form then starts that light expert.
    await fireEvent.input(screen.getByLabelText('Rank'), { target: { value: '8' } });
    await waitFor(() =>
      expect(api.trainingEstimate).toHaveBeenLastCalledWith({
        domain: 'recipes',
        budget: { steps: 120 },
        light: { rank: 8 },
        device: 'auto',
      }),
    );
    await fireEvent.click(screen.getByRole('button', { name: 'Start training' }));
    await waitFor(() => expect(api.trainExpert).toHaveBeenCalled());
    expect(api.trainExpert).toHaveBeenLastCalledWith(
      expect.objectContaining({ domain: 'recipes', init: 'seed', budget: { steps: 120 }, light: { rank: 8 } }),
    );
  });

  it('says the expert trains on the Slurm cluster when Settings chose it (trainExpert follows the forest setting)', async () => {
    const slurm = {
      trainOn: 'slurm' as const,
      slurm: { sharedDir: '/shared/grove', partition: 'gpu', gpusPerJob: 1, cpusPerTask: 8, extraOptions: [] },
    };
    const api = await openBranchStep({
      trainingEstimate: (input: { light?: { rank?: number } }) => estimate(input),
      clusterSettings: () => slurm,
    });
    expect((await screen.findByTestId('train-on-slurm')).textContent).toBe(
      'Trains on the Slurm cluster (partition gpu), as set in Settings → Train on.',
    );
    await fireEvent.click(screen.getByRole('button', { name: 'Start training' }));
    await waitFor(() => expect(api.trainExpert).toHaveBeenCalled());
  });

  it('says nothing of Slurm when experts train on this computer', async () => {
    await openBranchStep({
      trainingEstimate: (input: { light?: { rank?: number } }) => estimate(input),
      clusterSettings: () => ({ trainOn: 'local', slurm: null }),
    });
    await waitFor(() => expect(screen.getByTestId('expert-kind')).toBeTruthy());
    expect(screen.queryByTestId('train-on-slurm')).toBeNull();
  });

  it('keeps the person’s pick once made, and a full expert is started without adapter settings', async () => {
    const api = await openBranchStep({ trainingEstimate: (input: { light?: { rank?: number } }) => estimate(input) });
    await waitFor(() => expect(radio('light').checked).toBe(true));
    await fireEvent.click(radio('full'));
    // A new estimate (another budget) does not take the pick back.
    await fireEvent.input(screen.getByLabelText('Budget'), { target: { value: '200' } });
    await waitFor(() => expect(api.trainingEstimate).toHaveBeenLastCalledWith(expect.objectContaining({ budget: { steps: 200 } })));
    expect(radio('full').checked).toBe(true);
    expect(screen.queryByLabelText('Rank')).toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'Start training' }));
    await waitFor(() => expect(api.trainExpert).toHaveBeenCalled());
    expect(api.trainExpert).toHaveBeenLastCalledWith(expect.not.objectContaining({ light: expect.anything() }));
  });

  it('chooses full where it fits comfortably, as for every small forest', async () => {
    await openBranchStep({
      trainingEstimate: (input: { light?: { rank?: number } }) =>
        estimate(input, {
          recommended: 'full',
          reason: 'A full expert’s training peaks at about 300 MB, which fits comfortably in the 5.00 GB of memory available now.',
        }),
    });
    await waitFor(() => expect(radio('full').checked).toBe(true));
    expect(screen.getByTestId('kind-full').textContent).toMatch(/fits this machine/);
  });

  it('measures the speed once when nothing says it, then shows the time', async () => {
    let measuredAt: string | null = null;
    const measureJob: JobView = {
      id: 12,
      kind: 'measure-speed',
      label: 'Measure the training speed (full and light experts)',
      status: 'queued',
      done: 0,
      total: 2,
      etaSeconds: null,
      error: null,
    };
    const api = await openBranchStep({
      trainingEstimate: (input: { light?: { rank?: number } }) => {
        const speed = measuredAt ? { kind: 'measured' as const, of: 'light' as const, measuredAt, device: 'cpu' } : null;
        const base = estimate(input);
        return {
          ...base,
          full: { ...base.full, speed: speed && { ...speed, of: 'full' as const }, seconds: speed ? 1200 : null },
          light: { ...base.light, speed, seconds: speed ? 800 : null },
        };
      },
      measureTraining: () => measureJob,
    });
    await waitFor(() => expect(api.measureTraining).toHaveBeenCalledWith({ light: { rank: 16 }, device: 'auto' }));
    await waitFor(() => expect(screen.getByTestId('light-time').textContent).toMatch(/time not known yet/));
    // Said where the speed will come from, in the time row (no line of its own that would go and move Start).
    await waitFor(() => expect(screen.getByTestId('light-speed').textContent).toBe('measuring this machine’s training speed…'));
    expect(screen.queryByTestId('measuring')).toBeNull();
    measuredAt = new Date().toISOString();
    api.emit({ type: 'job.changed', job: { ...measureJob, status: 'done', done: 2 } });
    await waitFor(() => expect(screen.getByTestId('light-speed').textContent).toBe('measured on this machine just now (cpu)'));
    expect(screen.getByTestId('light-time').textContent).toMatch(/^about 13 min 20 s for 120 steps/);
    expect(screen.queryByTestId('measuring')).toBeNull();
    expect(api.measureTraining).toHaveBeenCalledTimes(1);
  });

  it('cancels a measurement still waiting when the training starts: the run itself will say the speed', async () => {
    const measureJob: JobView = {
      id: 12,
      kind: 'measure-speed',
      label: 'Measure the training speed (full and light experts)',
      status: 'queued',
      done: 0,
      total: 2,
      etaSeconds: null,
      error: null,
    };
    const api = await openBranchStep({
      trainingEstimate: (input: { light?: { rank?: number } }) => {
        const base = estimate(input);
        return { ...base, full: { ...base.full, speed: null, seconds: null }, light: { ...base.light, speed: null, seconds: null } };
      },
      measureTraining: () => measureJob,
      cancelJob: () => ({ ...measureJob, status: 'cancelled' }),
    });
    await waitFor(() => expect(screen.getByTestId('full-speed').textContent).toBe('measuring this machine’s training speed…'));
    await fireEvent.click(screen.getByRole('button', { name: 'Start training' }));
    await waitFor(() => expect(api.cancelJob).toHaveBeenCalledWith({ id: 12 }));
    expect(api.trainExpert).toHaveBeenCalled();
  });

  it('says why there is no estimate', async () => {
    await openBranchStep({
      trainingEstimate: () => {
        throw new Error('No ingested domain "recipes" in this forest: add its folder first.');
      },
    });
    await waitFor(() => expect(screen.getByTestId('expert-kind').textContent).toMatch(/No estimate for this domain: No ingested domain/));
  });
});
