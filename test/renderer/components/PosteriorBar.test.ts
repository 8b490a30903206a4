import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import PosteriorBar from '../../../src/renderer/src/components/PosteriorBar.svelte';

describe('PosteriorBar', () => {
  it('shows one segment per expert with its share, and says the mix in its label', () => {
    render(PosteriorBar, { experts: ['seed', 'law', 'code'], posterior: [0.2, 0.5, 0.3] });
    const bar = screen.getByTestId('posterior-bar');
    expect(bar.getAttribute('aria-label')).toBe('Expert mix: seed 20 %, law 50 %, code 30 %');
    const widths = [...bar.querySelectorAll<HTMLElement>('.segment')].map((s) => s.style.width);
    expect(widths).toEqual(['20%', '50%', '30%']);
    expect(screen.getAllByTestId('posterior-legend').map((li) => li.textContent?.replace(/\s+/g, ' ').trim())).toEqual([
      'seed 20 %',
      'law 50 %',
      'code 30 %',
    ]);
  });

  it('normalises an unnormalised posterior and draws no segment for a zero weight', () => {
    render(PosteriorBar, { experts: ['a', 'b', 'c'], posterior: [3, 0, 1] });
    const widths = [...screen.getByTestId('posterior-bar').querySelectorAll<HTMLElement>('.segment')].map((s) => s.style.width);
    expect(widths).toEqual(['75%', '25%']);
  });

  it('shows an empty state when there is no posterior or it does not match the experts', () => {
    const { unmount } = render(PosteriorBar, { experts: [], posterior: [] });
    expect(screen.getByTestId('posterior-empty')).toBeTruthy();
    unmount();
    render(PosteriorBar, { experts: ['a', 'b'], posterior: [1] });
    expect(screen.getByTestId('posterior-empty')).toBeTruthy();
  });
});
