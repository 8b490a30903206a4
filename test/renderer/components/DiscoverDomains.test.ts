// The app's discovery flow in New expert, against a recorded API (the engine's side runs in the service test
// and the Chromium journey): the k the person chooses reaches discoverDomains; the clusters appear once the job
// is done; a dropped cluster and a merged one reach growDiscovered as the domains to grow, with the branch
// start and the budget; a choice that cannot be grown (every cluster dropped) says why and disables "Grow experts".
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { ForestState } from '../../../src/renderer/src/lib/forest-state.svelte';
import { DEFAULT_PREFS } from '../../../src/renderer/src/lib/prefs';
import NewExpertView from '../../../src/renderer/src/views/NewExpertView.svelte';
import type { ForestSummary, JobView } from '../../../src/shared/api';
import type { DiscoveryView } from '../../../src/shared/api/schemas-discover';
import { fakeApi } from '../fake-api';

const summary: ForestSummary = { forest: { id: 1, name: 'woods', createdAt: '2025-01-01' }, domains: [], models: [], lineage: [] };
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
    await fireEvent.click(screen.getByRole('button', { name: 'Grow experts' }));
    await waitFor(() => expect(startedWith).toEqual([grown]));
    expect(api.growDiscovered).toHaveBeenCalledWith({
      folder: '/docs/mixed',
      domains: [{ name: 'law', clusters: [0, 2] }],
      expert: { init: 'nearest', budget: { steps: 5 }, device: 'auto', checkpoint: expect.anything() as unknown },
    });
  });

  it('says why when every cluster is dropped, and does not grow', async () => {
    const api = fakeApi({
      info: () => info,
      forestSummary: () => summary,
      jobs: () => [job('done')],
      runs: () => [],
      evaluations: () => [],
      discoverDomains: () => job('done'),
      discovery: () => discovery,
    });
    const forest = new ForestState(api);
    forest.start();
    await waitFor(() => expect(forest.summary).not.toBeNull());
    render(NewExpertView, { forest, prefs: DEFAULT_PREFS, folder: '/docs/mixed', onstarted: () => {}, oncancel: () => {} });
    await fireEvent.click(await screen.findByRole('button', { name: 'Discover domains in this folder' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Find the clusters' }));
    expect(api.discoverDomains).toHaveBeenCalledWith({ folder: '/docs/mixed' });
    await screen.findByTestId('discovery-summary');
    for (const i of [1, 2, 3]) await fireEvent.click(screen.getByLabelText(`Keep cluster ${i}`));
    expect(screen.getByRole('alert').textContent).toBe('Every cluster is dropped: keep at least one to grow an expert on.');
    expect((screen.getByRole('button', { name: 'Grow experts' }) as HTMLButtonElement).disabled).toBe(true);
  });
});
