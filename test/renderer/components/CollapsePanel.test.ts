import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import CollapsePanel from '../../../src/renderer/src/components/CollapsePanel.svelte';
import { ForestState } from '../../../src/renderer/src/lib/forest-state.svelte';
import type { ForestSummary, JobView } from '../../../src/shared/api';
import { fakeApi } from '../fake-api';

const model = (id: number, name: string, role: 'seed' | 'expert'): ForestSummary['models'][number] => ({
  id,
  name,
  role,
  domainId: null,
  status: 'ready',
  domain: role === 'expert' ? name : null,
  parameters: 1000,
  weightsBytes: 4000,
  inferenceBytes: null,
  tokensTrained: 0,
  ownDomainPerplexity: null,
  createdAt: '2025-01-01',
  kind: 'full',
  light: null,
});
const summary: ForestSummary = {
  forest: { id: 1, name: 'woods', createdAt: '2025-01-01' },
  domains: [
    { id: 1, name: 'news', sourcePath: null, stats: null },
    { id: 2, name: 'fiction', sourcePath: null, stats: null },
  ],
  models: [model(1, 'seed', 'seed'), model(2, 'news', 'expert'), model(3, 'fiction', 'expert')],
  lineage: [],
};
const job = (id: number, kind: string, status: JobView['status']): JobView => ({
  id,
  kind,
  label: kind,
  status,
  done: status === 'done' ? 1 : 0,
  total: 1,
  etaSeconds: null,
  error: null,
});
const prior = {
  target: 'domain:news',
  weights: [
    { modelId: 2, name: 'news', weight: 0.75 },
    { modelId: 3, name: 'fiction', weight: 0.25 },
  ],
  sequences: 100,
  createdAt: '2025-01-01',
};

function forestWith(api: ReturnType<typeof fakeApi>): ForestState {
  const forest = new ForestState(api);
  forest.summary = summary;
  forest.start();
  return forest;
}

// A trial of three methods as the engine stores it (ties best), and the methods the engine lists.
const methods = ['linear', 'ties', 'slerp'].map((name) => ({
  name,
  description: `${name} merges.`,
  paper: { title: 'p', url: 'u' },
  needsBase: name === 'ties',
  models: { min: name === 'slerp' ? 2 : 1, max: name === 'slerp' ? 2 : null },
  settings: name === 'slerp' ? [{ name: 't', description: 'how far', default: 0.5 }] : [],
}));
const trial = {
  jobId: 9,
  target: 'domain:news',
  split: 'valid' as const,
  contextLength: 128,
  tokens: 16384,
  weights: [
    { name: 'news', weight: 0.75 },
    { name: 'fiction', weight: 0.25 },
  ],
  rows: [
    { method: 'linear' as const, settings: {}, loss: Math.log(40), perplexity: 40 },
    { method: 'ties' as const, settings: {}, loss: Math.log(36), perplexity: 36 },
    { method: 'slerp' as const, settings: { t: 0.5 }, loss: Math.log(45), perplexity: 45 },
  ],
  skipped: [{ method: 'dare_ties' as const, reason: 'not in this test.' }],
  best: 'ties' as const,
  createdAt: '2025-01-01',
};

describe('CollapsePanel', () => {
  it('shows the posterior weights it will use, then collapses with them and says where the model is', async () => {
    const api = fakeApi({ priors: () => [prior], collapse: () => job(5, 'collapse', 'queued') });
    const forest = forestWith(api);
    render(CollapsePanel, { forest, domain: 'news', onclose: () => {} });
    await waitFor(() => expect(screen.getAllByTestId('weight-value').map((v) => v.textContent)).toEqual(['75 %', '25 %']));
    await fireEvent.click(screen.getByRole('button', { name: 'Collapse' }));
    expect(api.collapse).toHaveBeenCalledWith({
      name: 'collapsed-news',
      weighting: { kind: 'posterior', target: 'domain:news' },
      models: ['news', 'fiction'],
      method: 'linear',
      settings: {},
    });
    await screen.findByTestId('job-progress');
    api.emit({ type: 'job.changed', job: job(5, 'collapse', 'done') });
    expect((await screen.findByTestId('collapse-done')).textContent).toMatch(/“collapsed-news” is now in the forest/);
  });

  it('estimates the weights first when the domain has no cached prior', async () => {
    let priors: (typeof prior)[] = [];
    const api = fakeApi({ priors: () => priors, estimatePrior: () => job(6, 'prior', 'running') });
    const forest = forestWith(api);
    render(CollapsePanel, { forest, domain: 'news', onclose: () => {} });
    await fireEvent.click(await screen.findByRole('button', { name: 'Estimate the weights' }));
    expect(api.estimatePrior).toHaveBeenCalledWith({ target: 'domain:news' });
    expect((screen.getByRole('button', { name: 'Collapse' }) as HTMLButtonElement).disabled).toBe(true);
    priors = [prior];
    api.emit({ type: 'job.changed', job: job(6, 'prior', 'done') });
    await waitFor(() => expect(screen.getAllByTestId('weight-value')).toHaveLength(2));
    expect((screen.getByRole('button', { name: 'Collapse' }) as HTMLButtonElement).disabled).toBe(false);
  });

  it('collapses the chat’s mix with its manual weights, under the name given', async () => {
    const api = fakeApi({ priors: () => [], collapse: () => job(7, 'collapse', 'queued') });
    const forest = forestWith(api);
    render(CollapsePanel, { forest, manual: { news: 0.6, fiction: 0.4 }, onclose: () => {} });
    await fireEvent.input(screen.getByLabelText('New model’s name'), { target: { value: 'my-mix' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Collapse' }));
    expect(api.collapse).toHaveBeenCalledWith({
      name: 'my-mix',
      weighting: { kind: 'manual', weights: { news: 0.6, fiction: 0.4 } },
      models: ['news', 'fiction'],
      method: 'linear',
      settings: {},
    });
  });

  it('offers to keep a collapse of light experts over one base light, and sends keep light with the weighted average', async () => {
    const light = (id: number, name: string, rank: number, base: string): ForestSummary['models'][number] => ({
      ...model(id, name, 'expert'),
      kind: 'light',
      light: { rank, alpha: 2 * rank, targets: ['q_proj'], base, trainableParameters: 100 },
    });
    const api = fakeApi({ priors: () => [], collapse: () => job(9, 'collapse', 'queued') });
    const forest = forestWith(api);
    forest.summary = {
      ...summary,
      models: [model(1, 'seed', 'seed'), light(2, 'news', 4, 'seed'), light(3, 'fiction', 2, 'seed'), model(4, 'poems', 'expert')],
    };
    const { unmount } = render(CollapsePanel, { forest, manual: { news: 0.6, fiction: 0.4 }, onclose: () => {} });
    await fireEvent.click(screen.getByLabelText(/Keep it light: one adapter over “seed” \(rank 6\)/));
    await fireEvent.click(screen.getByRole('button', { name: 'Collapse' }));
    expect(api.collapse).toHaveBeenCalledWith({
      name: 'collapsed-mix',
      weighting: { kind: 'manual', weights: { news: 0.6, fiction: 0.4 } },
      models: ['news', 'fiction'],
      method: 'linear',
      settings: {},
      keep: 'light',
    });
    unmount();
    // A full model among the chosen: nothing to keep light, so nothing is offered.
    render(CollapsePanel, { forest, manual: { news: 0.5, poems: 0.5 }, onclose: () => {} });
    await screen.findByRole('button', { name: 'Collapse' });
    expect(screen.queryByLabelText(/Keep it light/)).toBeNull();
  });

  it('says what went wrong when the engine refuses', async () => {
    const api = fakeApi({ priors: () => [prior] });
    const forest = forestWith(api);
    render(CollapsePanel, { forest, domain: 'news', onclose: () => {} });
    await screen.findAllByTestId('weight-value');
    await fireEvent.click(screen.getByRole('button', { name: 'Collapse' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/collapse is not answered in this test/);
  });

  it('offers the merge methods the engine lists, explains the chosen one, and sends its settings', async () => {
    const methods = [
      {
        name: 'linear',
        description: 'The weighted average.',
        paper: { title: 'p', url: 'u' },
        needsBase: false,
        models: { min: 1, max: null },
        settings: [],
      },
      {
        name: 'ties',
        description: 'Trims each task vector, elects a sign, averages the entries that agree.',
        paper: { title: 'p', url: 'u' },
        needsBase: true,
        models: { min: 1, max: null },
        settings: [{ name: 'density', description: 'the share of each task vector kept', default: 1 }],
      },
    ];
    const api = fakeApi({ priors: () => [prior], mergeMethods: () => methods, collapse: () => job(8, 'collapse', 'queued') });
    const forest = forestWith(api);
    render(CollapsePanel, { forest, domain: 'news', onclose: () => {} });
    const select = (await screen.findByLabelText('Merge method')) as HTMLSelectElement;
    await fireEvent.change(select, { target: { value: 'ties' } });
    expect(screen.getByTestId('merge-method-description').textContent).toMatch(/elects a sign.*The forest’s seed is the base/);
    await fireEvent.input(screen.getByLabelText(/Density/), { target: { value: '0.5' } });
    await waitFor(() => expect(screen.getAllByTestId('weight-value')).toHaveLength(2));
    await fireEvent.click(screen.getByRole('button', { name: 'Collapse' }));
    expect(api.collapse).toHaveBeenCalledWith({
      name: 'collapsed-news',
      weighting: { kind: 'posterior', target: 'domain:news' },
      models: ['news', 'fiction'],
      method: 'ties',
      settings: { density: 0.5 },
    });
  });

  it('tries the merge methods on the target, shows their perplexities and preselects the best, then collapses with it', async () => {
    const api = fakeApi({
      priors: () => [prior],
      mergeMethods: () => methods,
      tryCollapseMethods: () => job(9, 'collapse-trial', 'running'),
      collapseTrial: () => trial,
      collapse: () => job(10, 'collapse', 'queued'),
    });
    const forest = forestWith(api);
    render(CollapsePanel, { forest, domain: 'news', onclose: () => {} });
    await fireEvent.click(await screen.findByRole('button', { name: 'Try the methods' }));
    expect(api.tryCollapseMethods).toHaveBeenCalledWith({
      weighting: { kind: 'posterior', target: 'domain:news' },
      models: ['news', 'fiction'],
    });
    expect(screen.queryByTestId('merge-trial-table')).toBeNull();
    api.emit({ type: 'job.changed', job: job(9, 'collapse-trial', 'done') });
    const table = await screen.findByTestId('merge-trial-table');
    expect(api.collapseTrial).toHaveBeenCalledWith({ jobId: 9 });
    expect(table.querySelector('caption')!.textContent).toBe(
      'Scored on 16384 held-out tokens of domain:news (valid split, windows of 128).',
    );
    expect(screen.getAllByTestId('merge-trial-row').map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent))).toEqual([
      ['linear', '40.00', '+11.1 %'],
      ['ties', '36.00', 'best'],
      ['slerp', '45.00', '+25.0 %'],
    ]);
    expect(table.textContent).toMatch(/dare_ties\s*not tried: not in this test\./);
    await waitFor(() => expect((screen.getByLabelText('Merge method') as HTMLSelectElement).value).toBe('ties'));
    await fireEvent.click(screen.getByRole('button', { name: 'Collapse' }));
    expect(api.collapse).toHaveBeenCalledWith({
      name: 'collapsed-news',
      weighting: { kind: 'posterior', target: 'domain:news' },
      models: ['news', 'fiction'],
      method: 'ties',
      settings: {},
    });
  });

  it('drops the trial’s numbers when the weights change, since they were tried on other weights', async () => {
    let priors = [prior];
    const api = fakeApi({
      priors: () => priors,
      mergeMethods: () => methods,
      tryCollapseMethods: () => job(9, 'collapse-trial', 'running'),
      collapseTrial: () => trial,
      estimatePrior: () => job(11, 'prior', 'running'),
    });
    const forest = forestWith(api);
    forest.summary = { ...summary, models: [...summary.models, model(4, 'poetry', 'expert')] };
    render(CollapsePanel, { forest, domain: 'news', onclose: () => {} });
    await fireEvent.click(await screen.findByRole('button', { name: 'Try the methods' }));
    api.emit({ type: 'job.changed', job: job(9, 'collapse-trial', 'done') });
    await screen.findByTestId('merge-trial-table');
    // The prior predates "poetry": estimated again, it brings other weights.
    await fireEvent.click(screen.getByRole('button', { name: 'Estimate again' }));
    priors = [
      { ...prior, weights: [...prior.weights.map((w) => ({ ...w, weight: w.weight / 2 })), { modelId: 4, name: 'poetry', weight: 0.5 }] },
    ];
    api.emit({ type: 'job.changed', job: job(11, 'prior', 'done') });
    await waitFor(() => expect(screen.getAllByTestId('weight-value')).toHaveLength(3));
    expect(screen.queryByTestId('merge-trial-table')).toBeNull();
    expect(screen.getByRole('button', { name: 'Try the methods' })).toBeTruthy();
  });
});
