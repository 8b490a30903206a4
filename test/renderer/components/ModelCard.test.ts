import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import ModelCard from '../../../src/renderer/src/components/ModelCard.svelte';
import type { ForestSummary } from '../../../src/shared/api';

type Model = ForestSummary['models'][number];
const model = (extra: Partial<Model> = {}): Model => ({
  id: 3,
  name: 'news',
  role: 'expert',
  domainId: 1,
  status: 'ready',
  domain: 'news',
  parameters: 134_515_008,
  weightsBytes: 538_000_000,
  inferenceBytes: null,
  tokensTrained: 4_500_000,
  ownDomainPerplexity: 23.456,
  createdAt: '2025-03-01T10:00:00.000Z',
  kind: 'full',
  light: null,
  ...extra,
});

describe('ModelCard', () => {
  it('shows a light expert as one: its rank, its base and the size of the adapter alone', () => {
    render(ModelCard, {
      model: model({
        kind: 'light',
        weightsBytes: 3_600_000,
        light: { rank: 16, alpha: 32, targets: ['q_proj'], base: 'seed', trainableParameters: 921_600 },
      }),
    });
    expect(screen.getByTestId('model-kind').textContent).toContain('Light expert');
    expect(screen.getByTestId('model-adapter').textContent).toBe('rank 16 on seed');
    expect(screen.queryByTestId('model-parameters')).toBeNull();
  });

  it('shows what the forest view promises: domain, size, tokens trained, own-domain perplexity, status', () => {
    render(ModelCard, { model: model() });
    expect(screen.getByRole('heading', { name: 'news' })).toBeTruthy();
    expect(screen.getByTestId('model-status').textContent).toBe('ready');
    expect(screen.getByTestId('model-parameters').textContent).toBe('135 M');
    expect(screen.getByText('538 MB')).toBeTruthy();
    expect(screen.getByTestId('model-tokens').textContent).toBe('4.5 M');
    expect(screen.getByTestId('model-perplexity').textContent).toBe('23.46');
  });

  it('shows the size of the weights at each inference choice, where the engine gives them (never for a light expert)', () => {
    const { unmount } = render(ModelCard, { model: model({ inferenceBytes: { f32: 538_000_000, '8': 145_000_000, '4': 100_000_000 } }) });
    expect(screen.getByTestId('model-inference-sizes').textContent).toBe('f32 538 MB · 8-bit 145 MB · 4-bit 100 MB');
    unmount();
    render(ModelCard, {
      model: model({
        kind: 'light',
        weightsBytes: 3_600_000,
        light: { rank: 16, alpha: 32, targets: ['q_proj'], base: 'seed', trainableParameters: 921_600 },
      }),
    });
    expect(screen.queryByTestId('model-inference-sizes')).toBeNull();
  });

  it('says "not evaluated" for an expert without a score, and offers export and removal', async () => {
    const onexport = vi.fn();
    const onremove = vi.fn();
    render(ModelCard, { model: model({ ownDomainPerplexity: null, tokensTrained: 0 }), onexport, onremove });
    expect(screen.getByTestId('model-perplexity').textContent).toBe('not evaluated');
    expect(screen.getByTestId('model-tokens').textContent).toBe('–');
    await fireEvent.click(screen.getByRole('button', { name: 'Export news' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Remove news from the forest' }));
    expect(onexport).toHaveBeenCalledOnce();
    expect(onremove).toHaveBeenCalledOnce();
  });

  it('never offers to remove the seed, and offers the training view while a model trains', () => {
    render(ModelCard, { model: model({ role: 'seed', domain: null, domainId: null }), onexport: vi.fn(), onremove: vi.fn() });
    expect(screen.queryByRole('button', { name: /Remove/ })).toBeNull();
    render(ModelCard, { model: model({ id: 4, name: 'fresh', status: 'training' }), onexport: vi.fn(), ontraining: vi.fn() });
    expect(screen.getByRole('button', { name: 'Show the training of fresh' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Export fresh' })).toBeNull();
  });
});
