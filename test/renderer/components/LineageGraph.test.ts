import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import LineageGraph from '../../../src/renderer/src/components/LineageGraph.svelte';

const nodes = [
  { id: 1, name: 'seed', role: 'seed', status: 'ready', domain: null },
  { id: 2, name: 'law', role: 'expert', status: 'ready', domain: 'law' },
  { id: 3, name: 'code', role: 'expert', status: 'training', domain: 'code' },
  { id: 4, name: 'law+code', role: 'collapsed', status: 'ready', domain: null },
];
const edges = [
  { child: 2, parent: 1, weight: 1 },
  { child: 3, parent: 1, weight: 0.6 },
  { child: 3, parent: 2, weight: 0.4 },
  { child: 4, parent: 2, weight: 0.5 },
  { child: 4, parent: 3, weight: 0.5 },
];

describe('LineageGraph', () => {
  it('puts each model one layer below its deepest parent', () => {
    render(LineageGraph, { nodes, edges });
    const layers = screen.getAllByTestId('lineage-node').map((g) => [g.querySelector('text')?.textContent, g.getAttribute('data-layer')]);
    expect(layers).toEqual([
      ['seed', '0'],
      ['law', '1'],
      ['code', '2'],
      ['law+code', '3'],
    ]);
  });

  it('describes every edge with its weight for screen readers', () => {
    render(LineageGraph, { nodes, edges });
    expect(screen.getAllByTestId('lineage-edge').map((li) => li.textContent)).toEqual([
      'law from seed (weight 1.00)',
      'code from seed (weight 0.60)',
      'code from law (weight 0.40)',
      'law+code from law (weight 0.50)',
      'law+code from code (weight 0.50)',
    ]);
    expect(screen.getByRole('img')).toBeTruthy();
  });

  it('shows an empty state without models', () => {
    render(LineageGraph, { nodes: [], edges: [] });
    expect(screen.getByTestId('lineage-empty')).toBeTruthy();
  });
});
