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

  it('offers the cluster-routed ensemble only when the forest has a clusterer, and passes the choice to Evaluate', async () => {
    const onEvaluate = vi.fn();
    const { unmount } = render(EvaluationHeatmap, { rows: [], domains: [], cells: [], onEvaluate, clusterRouting: null });
    expect(screen.queryByTestId('evaluate-routed')).toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'Evaluate' }));
    expect(onEvaluate).toHaveBeenLastCalledWith({ clusterRouted: false });
    unmount();

    render(EvaluationHeatmap, {
      rows: [],
      domains: [],
      cells: [],
      onEvaluate,
      clusterRouting: { experts: ['recipe', 'stars'], problem: null },
    });
    const choice = screen.getByRole('checkbox', { name: 'and the cluster-routed ensemble' }) as HTMLInputElement;
    expect(choice.disabled).toBe(false);
    expect(choice.checked).toBe(false);
    await fireEvent.click(screen.getByRole('button', { name: 'Evaluate' }));
    expect(onEvaluate).toHaveBeenLastCalledWith({ clusterRouted: false });
    await fireEvent.click(choice);
    await fireEvent.click(screen.getByRole('button', { name: 'Evaluate' }));
    expect(onEvaluate).toHaveBeenLastCalledWith({ clusterRouted: true });
    expect(screen.queryByTestId('evaluate-routed-why')).toBeNull();
  });

  it('disables the cluster-routed choice with the reason when its experts cannot be scored', async () => {
    const onEvaluate = vi.fn();
    const problem = 'The forest’s clusterer routes to “stars”, not a ready model of this forest (removed, or still training).';
    render(EvaluationHeatmap, { rows: [], domains: [], cells: [], onEvaluate, clusterRouting: { experts: ['recipe', 'stars'], problem } });
    const choice = screen.getByRole('checkbox', { name: 'and the cluster-routed ensemble' }) as HTMLInputElement;
    expect(choice.disabled).toBe(true);
    expect(screen.getByTestId('evaluate-routed-why').textContent).toBe(`Cluster routing cannot be scored: ${problem}`);
    expect(choice.getAttribute('aria-describedby')).toBe('evaluate-routed-why');
    await fireEvent.click(screen.getByRole('button', { name: 'Evaluate' }));
    expect(onEvaluate).toHaveBeenLastCalledWith({ clusterRouted: false });
  });

  it('disables the button while an evaluation runs', () => {
    render(EvaluationHeatmap, { rows: ['seed'], domains: ['law'], cells: cells.slice(0, 1), evaluating: true, onEvaluate: () => {} });
    expect((screen.getByRole('button', { name: 'Evaluating…' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('marks the baseline row and shows the last verdict: a word per domain, how the forest was scored, each domain in a line, its date', () => {
    const verdict = {
      baseline: 'baseline',
      experts: ['law', 'code'],
      collapsed: 'merged',
      trainingTokens: 40960,
      createdAt: '2025-03-04T05:06:07.000Z',
      domains: [
        { domain: 'law', baseline: 50, forest: 43, collapsed: 45, forestGain: 0.14, collapsedGain: 0.1, inDomain: true },
        { domain: 'code', baseline: 20, forest: 20.6, collapsed: null, forestGain: -0.03, collapsedGain: null, inDomain: false },
      ],
    };
    const withBaseline = [
      ...cells,
      { row: 'baseline', domain: 'law', perplexity: 50 },
      { row: 'baseline', domain: 'code', perplexity: 20 },
    ];
    render(EvaluationHeatmap, {
      rows: ['seed', 'law', 'baseline'],
      domains: ['law', 'code'],
      cells: withBaseline,
      baselines: ['baseline'],
      verdict,
      onCompare: () => {},
    });
    const row = screen.getByTestId('baseline-row');
    expect(row.querySelector('th')?.textContent?.replace(/\s+/g, ' ').trim()).toBe('baseline one model');
    expect(screen.getAllByRole('row').filter((r) => r.getAttribute('data-testid') === 'baseline-row')).toHaveLength(1);
    const words = [...screen.getByTestId('verdict-row').querySelectorAll('td')].map((c) => c.textContent?.trim());
    expect(words).toEqual(['14 % better', '3 % worse']);
    const said = screen.getByTestId('verdict').textContent?.replace(/\s+/g, ' ') ?? '';
    expect(said).toContain('forest 14 % better on law, 3 % worse on code.');
    expect(said).toContain("The forest is its experts' ensemble (cached prior, context posterior).");
    expect(said).toContain(new Date(verdict.createdAt).toLocaleString());
    expect(screen.getAllByTestId('verdict-line').map((l) => l.textContent?.trim())).toEqual([
      'forest 14 % better on law (collapsed model 10 % better)',
      'forest 3 % worse on code (no expert trained on it)',
    ]);
  });

  it('offers Compare with one model, blocked with the reason when there is no expert, busy while comparing', async () => {
    const onCompare = vi.fn();
    const { unmount } = render(EvaluationHeatmap, { rows: [], domains: [], cells: [], onCompare });
    await fireEvent.click(screen.getByRole('button', { name: 'Compare with one model' }));
    expect(onCompare).toHaveBeenCalledOnce();
    expect(screen.queryByTestId('verdict')).toBeNull();
    unmount();
    const blocked = render(EvaluationHeatmap, {
      rows: [],
      domains: [],
      cells: [],
      onCompare,
      compareBlocked: 'Comparing needs a trained expert',
    });
    const button = screen.getByRole('button', { name: 'Compare with one model' }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    expect(button.title).toBe('Comparing needs a trained expert');
    blocked.unmount();
    render(EvaluationHeatmap, { rows: [], domains: [], cells: [], onCompare, comparing: true });
    expect((screen.getByRole('button', { name: 'Comparing…' }) as HTMLButtonElement).disabled).toBe(true);
  });
});
