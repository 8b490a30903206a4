import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import EvaluationHeatmap from '../../../src/renderer/src/components/EvaluationHeatmap.svelte';

const cells = [
  { row: 'seed', domain: 'law', perplexity: 40, bitsPerByte: 1.9 },
  { row: 'seed', domain: 'code', perplexity: 80, bitsPerByte: 2.2 },
  { row: 'law', domain: 'law', perplexity: 10, bitsPerByte: 1.1 },
];

describe('EvaluationHeatmap', () => {
  it('shows an empty state with the Evaluate button when nothing is evaluated', async () => {
    const onEvaluate = vi.fn();
    render(EvaluationHeatmap, { rows: [], domains: [], cells: [], onEvaluate });
    expect(screen.getByTestId('heatmap-empty')).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Evaluate' }));
    expect(onEvaluate).toHaveBeenCalledOnce();
  });

  it('colours cells by perplexity on a log scale (best green, worst red) and marks missing cells', () => {
    render(EvaluationHeatmap, { rows: ['seed', 'law'], domains: ['law', 'code'], cells });
    const shown = screen.getAllByTestId('heatmap-cell');
    expect(shown.map((c) => c.textContent?.trim())).toEqual(['40.0', '80.0', '10.0']);
    // 10 is the minimum (hue 130), 80 the maximum (hue 0), 40 is 2/3 of the way on a log scale (hue 43).
    expect(shown.map((c) => c.style.background)).toEqual(['hsl(43 60% 45%)', 'hsl(0 60% 45%)', 'hsl(130 60% 45%)']);
    expect(screen.getByLabelText('law on code: not evaluated')).toBeTruthy();
  });

  it('shows the numbers of the focused cell and moves with arrow keys', async () => {
    render(EvaluationHeatmap, { rows: ['seed', 'law'], domains: ['law', 'code'], cells });
    const first = screen.getByLabelText('seed on law: perplexity 40.00, 1.900 bits/byte');
    first.focus();
    await fireEvent.focus(first);
    expect(screen.getByTestId('heatmap-detail').textContent?.trim()).toBe('seed on law: perplexity 40.00, 1.900 bits/byte');
    await fireEvent.keyDown(first, { key: 'ArrowRight' });
    expect(document.activeElement?.getAttribute('aria-label')).toBe('seed on code: perplexity 80.00, 2.200 bits/byte');
    expect(screen.getByTestId('heatmap-detail').textContent?.trim()).toBe('seed on code: perplexity 80.00, 2.200 bits/byte');
  });

  it('disables the button while an evaluation runs', () => {
    render(EvaluationHeatmap, { rows: ['seed'], domains: ['law'], cells: cells.slice(0, 1), evaluating: true, onEvaluate: () => {} });
    expect((screen.getByRole('button', { name: 'Evaluating…' }) as HTMLButtonElement).disabled).toBe(true);
  });
});
