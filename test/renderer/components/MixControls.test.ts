import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import MixControls, { mixOf } from '../../../src/renderer/src/components/MixControls.svelte';

describe('mixOf', () => {
  it('turns the controls into the chat mix sendMessage takes', () => {
    expect(mixOf('auto', {}, '')).toEqual({ kind: 'auto' });
    expect(mixOf('manual', { news: 0.5, fiction: 0 }, '')).toEqual({ kind: 'manual', weights: { news: 0.5 } });
    expect(mixOf('manual', { news: 0 }, '')).toBeNull();
    expect(mixOf('model', {}, 'collapsed-news')).toEqual({ kind: 'model', model: 'collapsed-news' });
    expect(mixOf('model', {}, '')).toBeNull();
  });
});

describe('MixControls', () => {
  const props = {
    experts: ['news', 'fiction'],
    models: [
      { name: 'seed', role: 'seed' },
      { name: 'news', role: 'expert' },
      { name: 'fiction', role: 'expert' },
      { name: 'collapsed', role: 'collapsed' },
    ],
    colourOf: () => '#2f7d4f',
  };

  it('shows one labelled slider per expert in manual mode, with each one’s share of the mix', async () => {
    render(MixControls, { ...props, mode: 'manual', weights: { news: 1, fiction: 1 } });
    const news = screen.getByLabelText('news') as HTMLInputElement;
    expect(screen.getByLabelText('fiction')).toBeTruthy();
    expect(news.getAttribute('aria-valuetext')).toBe('50 % of the mix');
    await fireEvent.input(news, { target: { value: '0.25' } });
    expect(screen.getByLabelText('fiction').getAttribute('aria-valuetext')).toBe('80 % of the mix');
    await fireEvent.input(news, { target: { value: '0' } });
    await fireEvent.input(screen.getByLabelText('fiction'), { target: { value: '0' } });
    expect(screen.getByText('Give at least one expert a weight above 0.')).toBeTruthy();
  });

  it('offers every model alone, the collapsed one included', () => {
    render(MixControls, { ...props, mode: 'model', model: 'collapsed' });
    const select = screen.getByLabelText('Model') as HTMLSelectElement;
    expect([...select.options].map((o) => o.value)).toEqual(['seed', 'news', 'fiction', 'collapsed']);
    expect(screen.queryByLabelText('news')).toBeNull();
  });

  it('cannot set a mix by hand without experts', () => {
    render(MixControls, { ...props, experts: [], models: [{ name: 'seed', role: 'seed' }] });
    expect((screen.getByLabelText('Set the mix by hand') as HTMLInputElement).disabled).toBe(true);
  });
});
