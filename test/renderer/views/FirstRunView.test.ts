// The first run: the recommended path (a real model from the Hub) first, with what the chosen model takes on
// the engine's machine (size, download, memory to chat and to train, time on 1 MB of text, and where that time
// comes from), the sample forest said in one line to be a first look at the mechanics, and the download started
// with the model chosen.
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { ForestState } from '../../../src/renderer/src/lib/forest-state.svelte';
import FirstRunView from '../../../src/renderer/src/views/FirstRunView.svelte';
import type { ForestSummary, JobView } from '../../../src/shared/api';
import type { CuratedModelView, MachineSpeedView } from '../../../src/shared/api/schemas-hub';
import { fakeApi } from '../fake-api';

const empty: ForestSummary = { forest: null, domains: [], models: [], lineage: [] };
const info = {
  version: '0.1.0',
  forestHome: '/f',
  transport: 'http' as const,
  runtime: { onnxruntimeVersion: '1.30.0', cpuCores: 2, providers: [{ name: 'cpu', available: true }] },
  memory: { totalBytes: 8e9, availableBytes: 5e9 },
};

function model(
  repoId: string,
  parameters: number,
  speed: MachineSpeedView,
  extra: Partial<CuratedModelView['estimate']> = {},
): CuratedModelView {
  return {
    repoId,
    family: 'llama',
    kind: 'instruct',
    parameters,
    downloadBytes: 2 * parameters + 2e6,
    licence: 'apache-2.0',
    gated: false,
    estimate: {
      chatMemoryBytes: 760e6,
      fullTrainMemoryBytes: 4.95e9,
      lightTrainMemoryBytes: 1.52e9,
      kind: 'light',
      fits: 'comfortable',
      textBytes: 1e6,
      tokens: 250_000,
      steps: 220,
      seconds: 1500,
      speed,
      ...extra,
    },
  };
}
const reference: MachineSpeedView = { kind: 'reference', flopsPerSecond: 82e9, samples: 0 };
const list = [
  model('HuggingFaceTB/SmolLM2-135M-Instruct', 134_515_008, reference),
  model(
    'Qwen/Qwen2.5-1.5B-Instruct',
    1_543_714_304,
    { kind: 'runs', flopsPerSecond: 70e9, samples: 3 },
    { chatMemoryBytes: 6.4e9, fullTrainMemoryBytes: 40e9, lightTrainMemoryBytes: 9e9, fits: 'no', seconds: 5 * 3600 },
  ),
];
const started: JobView = { id: 3, kind: 'download', label: 'Download', status: 'queued', done: 0, total: 1, etaSeconds: null, error: null };

async function open() {
  const api = fakeApi({
    info: () => info,
    forestSummary: () => empty,
    jobs: () => [],
    runs: () => [],
    evaluations: () => [],
    curatedModels: () => list,
    downloadModel: () => started,
  });
  const forest = new ForestState(api);
  forest.start();
  await waitFor(() => expect(forest.info).not.toBeNull());
  render(FirstRunView, { forest });
  await screen.findByTestId('curated-figures');
  return api;
}

describe('FirstRunView', () => {
  it('recommends a real model, with its size, memory and time on this machine, said to be from the shape before anything was measured', async () => {
    await open();
    expect(screen.getByRole('heading', { name: /Start from a real model/ }).textContent).toMatch(/Recommended/);
    expect(screen.getByTestId('figure-parameters').textContent).toBe('135 M');
    expect(screen.getByTestId('figure-download').textContent).toBe('271 MB');
    expect(screen.getByTestId('figure-chat-memory').textContent).toMatch(/^about 760 MB \(from its shape\)/);
    expect(screen.getByTestId('figure-train-memory').textContent).toBe(
      'full 4.95 GB, light 1.52 GB: a light expert fits in the memory available now',
    );
    expect(screen.getByTestId('figure-train-time').textContent?.replace(/\s+/g, ' ').trim()).toBe(
      'about 25 min 00 s (light, 220 steps; an estimate from the shape alone, at a reference machine’s speed per core (not measured here yet))',
    );
    // The sample forest, in one line: what it is for.
    expect(screen.getByTestId('sample-purpose').textContent).toMatch(/^A first look at the mechanics .* not a model to talk to/);
  });

  it('follows the model chosen, says where its time comes from and when it does not fit, and downloads it as the seed', async () => {
    const api = await open();
    await fireEvent.change(screen.getByLabelText('Model from the Hugging Face Hub'), { target: { value: 'Qwen/Qwen2.5-1.5B-Instruct' } });
    await waitFor(() => expect(screen.getByTestId('figure-parameters').textContent).toBe('1.54 B'));
    expect(screen.getByTestId('figure-train-memory').textContent).toMatch(/neither fits in the memory available now$/);
    expect(screen.getByTestId('figure-train-time').textContent).toMatch(
      /about 5 h 00 min .*at the speed of 3 training runs on this machine/,
    );
    await fireEvent.click(screen.getByRole('button', { name: 'Download' }));
    await waitFor(() => expect(api.downloadModel).toHaveBeenCalledWith({ repo: 'Qwen/Qwen2.5-1.5B-Instruct', asSeed: true }));
  });
});
