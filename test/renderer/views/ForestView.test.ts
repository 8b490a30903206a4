// The forest view's Export action: a light expert's card opens the export panel with the PEFT adapter chosen,
// a full model's with no PEFT choice (the panel is made again for each model, as its choices differ); Remove asks
// in a dialog first, and removes only when confirmed; the evaluation heatmap says how each collapsed model was
// made (merge method, settings, weights), from the catalog's summary, so the collapses can be compared; Evaluate
// asks for the cluster-routed ensemble too when the box is ticked, and the box is disabled, with why, where the
// forest's clusterer cannot route.
import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import ForestView from '../../../src/renderer/src/views/ForestView.svelte';
import { ForestState } from '../../../src/renderer/src/lib/forest-state.svelte';
import type { ForestSummary, JobView } from '../../../src/shared/api';
import { fakeApi } from '../fake-api';

type Model = ForestSummary['models'][number];
const model = (extra: Partial<Model>): Model => ({
  id: 1,
  name: 'seed',
  role: 'seed',
  domainId: null,
  status: 'ready',
  domain: null,
  parameters: 134_515_008,
  weightsBytes: 538_000_000,
  inferenceBytes: null,
  tokensTrained: 0,
  ownDomainPerplexity: null,
  createdAt: '2025-03-01T10:00:00.000Z',
  kind: 'full',
  light: null,
  ...extra,
});
const summary: ForestSummary = {
  forest: { id: 1, name: 'garden', createdAt: '2025-03-01T10:00:00.000Z' },
  domains: [],
  models: [
    model({}),
    model({
      id: 2,
      name: 'law',
      role: 'expert',
      kind: 'light',
      weightsBytes: 3_600_000,
      light: { rank: 16, alpha: 32, targets: ['q_proj'], base: 'seed', trainableParameters: 921_600 },
    }),
  ],
  lineage: [{ child: 2, parent: 1, weight: 1 }],
};

describe('ForestView', () => {
  it('exports a light expert as a PEFT adapter by default, and a full model without that choice', async () => {
    const forest = new ForestState(fakeApi());
    render(ForestView, { forest, summary, onopendomain: () => {}, onnewexpert: () => {}, ontraining: () => {} });
    await fireEvent.click(screen.getByRole('button', { name: 'Export law' }));
    expect((screen.getByLabelText(/PEFT adapter/) as HTMLInputElement).checked).toBe(true);
    await fireEvent.click(screen.getByRole('button', { name: 'Export seed' }));
    expect(screen.getByRole('heading', { name: 'Export “seed”' })).toBeTruthy();
    expect(screen.queryByLabelText(/PEFT adapter/)).toBeNull();
    expect((screen.getByLabelText(/GGUF/) as HTMLInputElement).checked).toBe(true);
  });

  it('asks in a dialog before removing a model, and removes it only when confirmed', async () => {
    const api = fakeApi({ removeModel: () => ({ removed: 'law' }), forestSummary: () => summary });
    const forest = new ForestState(api);
    render(ForestView, { forest, summary, onopendomain: () => {}, onnewexpert: () => {}, ontraining: () => {} });
    const remove = screen.getByRole('button', { name: 'Remove law from the forest' });
    remove.focus();
    await fireEvent.click(remove);
    expect(screen.getByRole('dialog', { name: 'Remove “law” from the forest?' })).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Keep it' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(remove);
    expect(api.removeModel).not.toHaveBeenCalled();
    await fireEvent.click(remove);
    await fireEvent.click(screen.getByRole('button', { name: 'Remove law' }));
    expect(api.removeModel).toHaveBeenCalledWith({ model: 'law' });
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('says on the heatmap how each collapsed model was made, beside its scores', async () => {
    const collapsed: ForestSummary = {
      ...summary,
      domains: [{ id: 1, name: 'statutes', sourcePath: null, stats: null }],
      models: [
        ...summary.models,
        model({
          id: 3,
          name: 'ties-mix',
          role: 'collapsed',
          collapse: { method: 'ties', settings: { density: 0.5 }, weights: 'posterior', target: 'mix' },
        }),
        model({ id: 4, name: 'flat', role: 'collapsed', collapse: { method: 'linear', settings: {}, weights: 'uniform', target: null } }),
        model({ id: 5, name: 'old', role: 'collapsed', collapse: null }),
      ],
    };
    const evaluation = (label: string, perplexity: number) => ({
      label,
      spec: { kind: 'model' as const, model: label },
      domain: 'statutes',
      split: 'test' as const,
      loss: Math.log(perplexity),
      perplexity,
      bitsPerByte: null,
      tokens: 100,
      createdAt: '2025-03-02T10:00:00.000Z',
    });
    const api = fakeApi({
      forestSummary: () => collapsed,
      runs: () => [],
      verdict: () => null,
      evaluations: () => [evaluation('law', 20), evaluation('ties-mix', 25), evaluation('flat', 30), evaluation('old', 31)],
    });
    const forest = new ForestState(api);
    await forest.refreshSummary();
    render(ForestView, { forest, summary: collapsed, onopendomain: () => {}, onnewexpert: () => {}, ontraining: () => {} });
    const rowOf = (name: string) => screen.getAllByRole('rowheader').find((th) => th.textContent!.startsWith(name))!;
    expect(rowOf('ties-mix').textContent).toBe('ties-mixcollapsed: ties (density 0.5), posterior weights on mix');
    expect(rowOf('flat').textContent).toBe('flatcollapsed: linear, uniform weights');
    expect(rowOf('old').textContent).toContain('collapsed: how is not recorded');
    expect(rowOf('law').textContent).toBe('law');
    expect(screen.getAllByTestId('row-made')).toHaveLength(3);
  });

  it('evaluates the cluster-routed ensemble too when asked, where the forest has a clusterer, and says why not where it cannot', async () => {
    const routed: ForestSummary = {
      ...summary,
      domains: [{ id: 1, name: 'statutes', sourcePath: null, stats: null }],
      clusterRouting: { experts: ['law', 'mail'], problem: null },
    };
    const evaluating: JobView = {
      id: 9,
      kind: 'evaluate',
      label: 'Evaluate',
      status: 'queued',
      done: 0,
      total: 1,
      etaSeconds: null,
      error: null,
    };
    const api = fakeApi({
      forestSummary: () => routed,
      runs: () => [],
      verdict: () => null,
      evaluations: () => [],
      evaluate: () => evaluating,
    });
    const forest = new ForestState(api);
    await forest.refreshSummary();
    const view = render(ForestView, { forest, summary: routed, onopendomain: () => {}, onnewexpert: () => {}, ontraining: () => {} });
    await fireEvent.click(screen.getByTestId('evaluate-routed'));
    await fireEvent.click(screen.getByRole('button', { name: 'Evaluate' }));
    expect(api.evaluate).toHaveBeenCalledWith({ clusterRouted: true });
    view.unmount();

    const blocked: ForestSummary = {
      ...routed,
      clusterRouting: { experts: ['law'], problem: 'The expert “mail” of cluster 2 was removed.' },
    };
    render(ForestView, { forest, summary: blocked, onopendomain: () => {}, onnewexpert: () => {}, ontraining: () => {} });
    expect((screen.getByTestId('evaluate-routed') as HTMLInputElement).disabled).toBe(true);
    expect(screen.getByText(/The expert “mail” of cluster 2 was removed/)).toBeTruthy();
  });
});
