// The forest view's Export action: a light expert's card opens the export panel with the PEFT adapter chosen,
// a full model's with no PEFT choice (the panel is made again for each model, as its choices differ); Remove asks
// in a dialog first, and removes only when confirmed.
import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import ForestView from '../../../src/renderer/src/views/ForestView.svelte';
import { ForestState } from '../../../src/renderer/src/lib/forest-state.svelte';
import type { ForestSummary } from '../../../src/shared/api';
import { fakeApi } from '../fake-api';

type Model = ForestSummary['models'][number];
const model = (extra: Partial<Model>): Model => ({
  id: 1, name: 'seed', role: 'seed', domainId: null, status: 'ready', domain: null, parameters: 134_515_008, weightsBytes: 538_000_000, inferenceBytes: null,
  tokensTrained: 0, ownDomainPerplexity: null, createdAt: '2025-03-01T10:00:00.000Z', kind: 'full', light: null, ...extra,
});
const summary: ForestSummary = {
  forest: { id: 1, name: 'garden', createdAt: '2025-03-01T10:00:00.000Z' },
  domains: [],
  models: [model({}), model({ id: 2, name: 'law', role: 'expert', kind: 'light', weightsBytes: 3_600_000, light: { rank: 16, alpha: 32, targets: ['q_proj'], base: 'seed', trainableParameters: 921_600 } })],
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
});
