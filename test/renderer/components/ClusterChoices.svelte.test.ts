// The discovered clusters as the person sees them (size, tokens, top terms, example titles) and the controls
// that make domains of them: renaming, dropping and merging through the form reach the bound choices, and a
// merged or dropped cluster's own name can no longer be edited.
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import ClusterChoices from '../../../src/renderer/src/components/ClusterChoices.svelte';
import { domainsOfChoices, initialChoices } from '../../../src/renderer/src/lib/discover-choices';
import type { DiscoveryView } from '../../../src/shared/api/schemas-discover';

const discovery: DiscoveryView = {
  folder: '/mixed',
  documents: 24,
  k: 3,
  kRule: 'suggested',
  dims: 23,
  clusters: [
    {
      size: 8,
      tokens: 4100,
      topTerms: ['court', 'jury'],
      examples: [
        { path: 'court-1.txt', title: 'Case record 1' },
        { path: 'court-2.txt', title: 'Case record 2' },
        { path: 'court-3.txt', title: 'Case record 3' },
      ],
    },
    { size: 8, tokens: 3900, topTerms: ['galaxy', 'orbit'], examples: [{ path: 'stars-1.txt', title: 'Observing log 1' }] },
    { size: 8, tokens: 4000, topTerms: ['oven', 'flour'], examples: [{ path: 'recipe-1.txt', title: 'Kitchen card 1' }] },
  ],
  createdAt: '2026-12-04T00:00:00Z',
};

describe('ClusterChoices', () => {
  it('shows each cluster with its size, tokens, top terms and example titles', () => {
    // Reactive state, as the parent's bound choices are (a plain array makes Svelte warn of non-reactive binds).
    const choices = $state(initialChoices(discovery));
    render(ClusterChoices, { discovery, choices });
    const first = screen.getAllByTestId('cluster')[0]!;
    expect(first.textContent).toContain('8 documents · 4100 tokens');
    expect(first.textContent).toContain('court, jury');
    expect(
      within(first)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['Case record 1', 'Case record 2', 'Case record 3']);
  });

  it('renames, drops and merges through the form, into the bound choices', async () => {
    // This file is a .svelte.test.ts, so runes work here.
    const choices = $state(initialChoices(discovery));
    render(ClusterChoices, { discovery, choices });
    await fireEvent.input(screen.getByLabelText('Name of cluster 1'), { target: { value: 'law' } });
    await fireEvent.click(screen.getByLabelText('Keep cluster 2'));
    const merge = screen.getByLabelText('Merge cluster 3 into') as HTMLSelectElement;
    expect([...merge.options].map((o) => o.textContent)).toEqual(['no merge: its own expert', 'cluster 1 (law)']);
    await fireEvent.change(merge, { target: { value: '0' } });
    expect(choices[2]!.mergeInto).toBe(0);
    expect((screen.getByLabelText('Name of cluster 3') as HTMLInputElement).disabled).toBe(true);
    expect((screen.getByLabelText('Name of cluster 2') as HTMLInputElement).disabled).toBe(true);
    expect(domainsOfChoices(choices)).toEqual({ domains: [{ name: 'law', clusters: [0, 2] }] });
  });
});
