// The app's discovery flow in New expert, against a recorded API (the engine's side runs in the service test
// and the Chromium journey): the k the person chooses reaches discoverDomains; the clusters appear once the job
// is done; a dropped cluster and a merged one reach growDiscovered as the domains to grow, with the branch
// start and the budget; each domain's disk, memory and time show for full and light, and the light choice with
// its rank reaches both the estimate and growDiscovered; where the forest has a light expert to branch from, the
// light experts' start (exact or SVD) is offered and reaches growDiscovered, and not when they start from the
// seed; a choice that cannot be grown (every cluster dropped) says why and disables "Grow experts".
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { ForestState } from '../../../src/renderer/src/lib/forest-state.svelte';
import { DEFAULT_PREFS, type Prefs } from '../../../src/renderer/src/lib/prefs';
import NewExpertView from '../../../src/renderer/src/views/NewExpertView.svelte';
import type { ForestSummary, JobView } from '../../../src/shared/api';
import type { DiscoveredDomain, DiscoveryView } from '../../../src/shared/api/schemas-discover';
import type { KindEstimate, TrainingEstimate } from '../../../src/shared/api/schemas-estimate';
import { GroveError } from '../../../src/shared/api';
import { fakeApi } from '../fake-api';

const summary: ForestSummary = { forest: { id: 1, name: 'woods', createdAt: '2025-01-01' }, domains: [], models: [], lineage: [] };
const model = (id: number, name: string, role: 'seed' | 'expert', kind: 'full' | 'light'): ForestSummary['models'][number] => ({
  id,
  name,
  role,
  domainId: null,
  status: 'ready',
  domain: null,
  parameters: 1e8,
  weightsBytes: kind === 'full' ? 4e8 : 8e6,
  inferenceBytes: null,
  tokensTrained: 0,
  ownDomainPerplexity: null,
  createdAt: '2025-01-01',
  kind,
  light: kind === 'light' ? { rank: 16, alpha: 32, targets: ['q_proj'], base: 'seed', trainableParameters: 1e6 } : null,
});
/** A forest with a seed and one light expert: a light expert branched from it has a start to choose. */
const withLight: ForestSummary = { ...summary, models: [model(1, 'seed', 'seed', 'full'), model(2, 'mail', 'expert', 'light')] };
const info = {
  version: '0.1.0',
  forestHome: '/f',
  transport: 'http' as const,
  runtime: { onnxruntimeVersion: '1.30.0', cpuCores: 2, providers: [{ name: 'cpu', available: true }] },
  memory: { totalBytes: 8e9, availableBytes: 5e9 },
};
const job = (status: JobView['status']): JobView => ({
  id: 3,
  kind: 'discover',
  label: 'Discover domains in “mixed”',
  status,
  done: status === 'done' ? 1 : 0,
  total: 1,
  etaSeconds: null,
  error: null,
});
const discovery: DiscoveryView = {
  folder: '/docs/mixed',
  documents: 30,
  k: 3,
  kRule: 'chosen',
  dims: 29,
  clusters: [
    { size: 10, tokens: 5000, topTerms: ['court'], examples: [{ path: 'c1.txt', title: 'Case record 1' }] },
    { size: 10, tokens: 4000, topTerms: ['oven'], examples: [{ path: 'r1.txt', title: 'Kitchen card 1' }] },
    { size: 10, tokens: 4500, topTerms: ['galaxy'], examples: [{ path: 's1.txt', title: 'Observing log 1' }] },
  ],
  createdAt: '2026-12-04T00:00:00Z',
};

/** What a domain's expert will take: 60 s per 1000 training tokens on light, 3x that on full; full's peak is tight. */
function estimateOf(domain: DiscoveredDomain): TrainingEstimate {
  const tokens = domain.clusters.reduce((a, c) => a + discovery.clusters[c]!.tokens, 0);
  const k = (kind: 'full' | 'light', seconds: number, peak: number): KindEstimate => ({
    kind,
    trainableParameters: kind === 'full' ? 1e8 : 1e6,
    diskBytes: kind === 'full' ? 400e6 : 8e6,
    trainingDiskBytes: kind === 'full' ? 2e9 : 50e6,
    peakMemoryBytes: peak,
    fits: peak > 3.5e9 ? 'tight' : 'comfortable',
    flopsPerToken: 1e9,
    steps: 5,
    tokens,
    seconds,
    tokensPerSecond: 100,
    speed: { kind: 'runs', of: 'light', runs: 2, device: 'cpu' },
  });
  return {
    domain: domain.name,
    budget: { steps: 5 },
    domainTokens: tokens,
    settings: { batchSize: 4, microBatches: 1, contextLength: 64, threads: 0 },
    machine: { totalMemoryBytes: 8e9, availableMemoryBytes: 5e9 },
    full: k('full', (tokens / 1000) * 180, 4.2e9),
    light: k('light', (tokens / 1000) * 60, 1.5e9),
    recommended: 'light',
    reason: 'A full expert would be tight; a light one fits.',
  };
}
const discoveredEstimate = (input: { domains: DiscoveredDomain[] }) => input.domains.map(estimateOf);

/** The API of a forest whose discovery of the mixed folder is done; `calls` add to or replace its answers. */
function doneDiscoveryApi(calls: Parameters<typeof fakeApi>[0] = {}): ReturnType<typeof fakeApi> {
  return fakeApi({
    info: () => info,
    forestSummary: () => summary,
    jobs: () => [job('done')],
    runs: () => [],
    evaluations: () => [],
    discoverDomains: () => job('done'),
    discovery: () => discovery,
    discoveredEstimate,
    ...calls,
  });
}

/** New expert on the mixed folder with a discovery already done (k suggested): the clusters on screen. */
async function discovered(
  api: ReturnType<typeof fakeApi>,
  prefs: Prefs = { ...DEFAULT_PREFS, budgetKind: 'steps', budgetValue: 5 },
): Promise<void> {
  const forest = new ForestState(api);
  forest.start();
  await waitFor(() => expect(forest.summary).not.toBeNull());
  render(NewExpertView, { forest, prefs, folder: '/docs/mixed', onstarted: () => {}, oncancel: () => {} });
  await fireEvent.click(await screen.findByRole('button', { name: 'Discover domains in this folder' }));
  await fireEvent.click(screen.getByRole('button', { name: 'Find the clusters' }));
  await screen.findByTestId('discovery-summary');
}

describe('DiscoverDomains in New expert', () => {
  it('passes the chosen k, shows the clusters, and grows the kept and merged ones', async () => {
    let found: DiscoveryView | null = null;
    const grown: JobView = {
      id: 4,
      kind: 'ingest',
      label: 'Ingest “law”',
      status: 'queued',
      done: 0,
      total: 1,
      etaSeconds: null,
      error: null,
    };
    const api = fakeApi({
      info: () => info,
      forestSummary: () => summary,
      jobs: () => [],
      runs: () => [],
      evaluations: () => [],
      discoverDomains: () => job('queued'),
      discovery: () => found,
      discoveredEstimate,
      growDiscovered: () => [grown],
    });
    const forest = new ForestState(api);
    forest.start();
    await waitFor(() => expect(forest.summary).not.toBeNull());
    const startedWith: JobView[] = [];
    render(NewExpertView, {
      forest,
      prefs: { ...DEFAULT_PREFS, budgetKind: 'steps', budgetValue: 5 },
      folder: '/docs/mixed',
      onstarted: (j: JobView) => startedWith.push(j),
      oncancel: () => {},
    });
    await fireEvent.click(await screen.findByRole('button', { name: 'Discover domains in this folder' }));
    await fireEvent.input(screen.getByLabelText(/Clusters \(k\)/), { target: { value: '3' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Find the clusters' }));
    expect(api.discoverDomains).toHaveBeenCalledWith({ folder: '/docs/mixed', k: 3 });

    found = discovery;
    api.emit({ type: 'job.changed', job: job('done') });
    await screen.findByTestId('discovery-summary');
    expect(screen.getByTestId('discovery-summary').textContent).toMatch(/30 documents in 3 clusters \(k chosen\)/);
    expect(screen.getAllByTestId('cluster')).toHaveLength(3);

    await fireEvent.input(screen.getByLabelText('Name of cluster 1'), { target: { value: 'law' } });
    await fireEvent.change(screen.getByLabelText('Merge cluster 3 into'), { target: { value: '0' } });
    await fireEvent.click(screen.getByLabelText('Keep cluster 2'));
    expect(screen.getByTestId('grow-plan').textContent).toBe('One expert will grow: law.');
    await fireEvent.change(screen.getByLabelText(/^Branch each expert from/), { target: { value: 'nearest' } });
    // Each domain's figures, for each kind: law is clusters 1 and 3 (9500 tokens); light, recommended, is chosen.
    await waitFor(() => expect(screen.getByTestId('light-law-time').textContent).toMatch(/about 9 min 30 s for 5 steps/));
    expect(screen.getByTestId('full-law-time').textContent).toMatch(/about 28 min 30 s for 5 steps/);
    expect(screen.getByTestId('full-law-memory').textContent).toMatch(/4\.20 GB peak: tight in the 5\.00 GB available/);
    expect(screen.getByTestId('light-law-disk').textContent).toMatch(/^8 MB \(up to 50 MB while training/);
    expect(screen.getAllByTestId('light-domain')).toHaveLength(1);
    expect((screen.getByRole('radio', { name: 'Light expert' }) as HTMLInputElement).checked).toBe(true);
    await fireEvent.input(screen.getByLabelText('Rank'), { target: { value: '8' } });
    await waitFor(() =>
      expect(api.discoveredEstimate).toHaveBeenLastCalledWith({
        folder: '/docs/mixed',
        domains: [{ name: 'law', clusters: [0, 2] }],
        budget: { steps: 5 },
        light: { rank: 8 },
        device: 'auto',
      }),
    );
    await fireEvent.click(screen.getByRole('button', { name: 'Grow experts' }));
    await waitFor(() => expect(startedWith).toEqual([grown]));
    expect(api.growDiscovered).toHaveBeenCalledWith({
      folder: '/docs/mixed',
      domains: [{ name: 'law', clusters: [0, 2] }],
      expert: { init: 'nearest', budget: { steps: 5 }, device: 'auto', checkpoint: expect.anything() as unknown, light: { rank: 8 } },
    });
  });

  it('says no estimate came for these domains (not "this domain") when several grow', async () => {
    const api = doneDiscoveryApi({
      discoveredEstimate: () => {
        throw new GroveError('conflict', 'The forest has no seed to estimate from.');
      },
    });
    await discovered(api);
    expect(screen.getByTestId('grow-plan').textContent).toMatch(/^3 experts will grow/);
    const alert = await screen.findByText(/^No estimate for/);
    expect(alert.textContent).toBe('No estimate for these domains: The forest has no seed to estimate from.');
  });

  it('offers the light start where a light expert can be a parent, and sends it with the light choice', async () => {
    const api = doneDiscoveryApi({ forestSummary: () => withLight, growDiscovered: () => [job('queued')] });
    await discovered(api);
    await waitFor(() => expect((screen.getByRole('radio', { name: 'Light expert' }) as HTMLInputElement).checked).toBe(true));
    // From the seed there is nothing to average: no start to choose.
    await fireEvent.change(screen.getByLabelText(/^Branch each expert from/), { target: { value: 'seed' } });
    expect(screen.queryByTestId('light-start')).toBeNull();
    await fireEvent.change(screen.getByLabelText(/^Branch each expert from/), { target: { value: 'posterior' } });
    await fireEvent.change(screen.getByTestId('light-start'), { target: { value: 'svd' } });
    expect(screen.getByTestId('expert-kind').textContent).toMatch(/trains at this rank; the approximation error is recorded/);
    await fireEvent.click(screen.getByRole('button', { name: 'Grow experts' }));
    await waitFor(() => expect(api.growDiscovered).toHaveBeenCalledTimes(1));
    expect(api.growDiscovered).toHaveBeenCalledWith(
      expect.objectContaining({ expert: expect.objectContaining({ init: 'posterior', light: { rank: 16, start: 'svd' } }) as unknown }),
    );
  });

  it('says why when every cluster is dropped, and does not grow', async () => {
    const api = doneDiscoveryApi();
    await discovered(api, DEFAULT_PREFS);
    expect(api.discoverDomains).toHaveBeenCalledWith({ folder: '/docs/mixed' });
    for (const i of [1, 2, 3]) await fireEvent.click(screen.getByLabelText(`Keep cluster ${i}`));
    expect(screen.getByRole('alert').textContent).toBe('Every cluster is dropped: keep at least one to grow an expert on.');
    expect((screen.getByRole('button', { name: 'Grow experts' }) as HTMLButtonElement).disabled).toBe(true);
  });
});
