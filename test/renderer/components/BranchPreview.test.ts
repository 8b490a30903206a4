import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import BranchPreview from '../../../src/renderer/src/components/BranchPreview.svelte';

const weights = [
  { modelId: 1, name: 'seed', weight: 0.1 },
  { modelId: 2, name: 'law', weight: 0.7 },
  { modelId: 3, name: 'code', weight: 0.2 },
];

describe('BranchPreview', () => {
  it('shows the posterior weights as bars, largest first, and names the nearest expert', () => {
    render(BranchPreview, { domain: 'contracts', weights });
    expect(screen.getAllByTestId('branch-weight').map((v) => v.textContent)).toEqual(['70 %', '20 %', '10 %']);
    expect(screen.getByRole('meter', { name: 'law weight' }).getAttribute('aria-valuenow')).toBe('0.7');
    expect(screen.getByText('Start from law.')).toBeTruthy();
    expect((screen.getByRole('radio', { name: /Posterior average/ }) as HTMLInputElement).checked).toBe(true);
  });

  it('lets the person choose another start', async () => {
    render(BranchPreview, { domain: 'contracts', weights });
    const seed = screen.getByRole('radio', { name: /^Seed/ }) as HTMLInputElement;
    await fireEvent.click(seed);
    expect(seed.checked).toBe(true);
    expect((screen.getByRole('radio', { name: /Posterior average/ }) as HTMLInputElement).checked).toBe(false);
  });

  it('marks the experts each start uses: the top k for the posterior average (k settable), the nearest, none for the seed', async () => {
    render(BranchPreview, { domain: 'contracts', weights });
    const usedNames = () =>
      screen
        .getAllByRole('listitem')
        .filter((li) => li.dataset.used === 'true')
        .map((li) => li.querySelector('.name')!.textContent);
    expect(usedNames()).toEqual(['law', 'code']);
    const k = screen.getByLabelText(/Average the top/) as HTMLInputElement;
    expect(k.value).toBe('2');
    await fireEvent.input(k, { target: { value: '3' } });
    expect(usedNames()).toEqual(['law', 'code', 'seed']);
    await fireEvent.click(screen.getByRole('radio', { name: /Nearest expert/ }));
    expect(usedNames()).toEqual(['law']);
    expect(screen.queryByLabelText(/Average the top/)).toBeNull();
    await fireEvent.click(screen.getByRole('radio', { name: /^Seed/ }));
    expect(usedNames()).toEqual([]);
  });

  it('without experts says so and only the seed start is possible', () => {
    render(BranchPreview, { domain: 'contracts', weights: [], init: 'seed' });
    expect(screen.getByTestId('branch-empty')).toBeTruthy();
    expect((screen.getByRole('radio', { name: /Posterior average/ }) as HTMLInputElement).disabled).toBe(true);
    expect((screen.getByRole('radio', { name: /^Seed/ }) as HTMLInputElement).disabled).toBe(false);
  });
});
