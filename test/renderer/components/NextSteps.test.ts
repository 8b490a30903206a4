// The forest view's next steps: shown for a forest whose seed was trained here (the sample), not for one on a
// pretrained seed; it offers a folder of one's own (the new-expert flow) and says how to start from a real model
// the way this engine was started.
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import NextSteps from '../../../src/renderer/src/components/NextSteps.svelte';
import { ForestState } from '../../../src/renderer/src/lib/forest-state.svelte';
import ForestView from '../../../src/renderer/src/views/ForestView.svelte';
import type { ForestSummary } from '../../../src/shared/api';
import { fakeApi } from '../fake-api';

const info = {
  version: '0.1.0',
  forestHome: '/f',
  transport: 'http' as const,
  runtime: { onnxruntimeVersion: '1.30.0', cpuCores: 2, providers: [{ name: 'cpu', available: true }] },
  memory: { totalBytes: 8e9, availableBytes: 5e9 },
};
const seed = (tokensTrained: number): ForestSummary['models'][number] => ({
  id: 1,
  name: 'seed',
  role: 'seed',
  domainId: null,
  status: 'ready',
  domain: null,
  parameters: 41_000,
  weightsBytes: 164_000,
  inferenceBytes: null,
  tokensTrained,
  ownDomainPerplexity: null,
  createdAt: '2025-01-01',
  kind: 'full',
  light: null,
});
const summaryWith = (tokensTrained: number): ForestSummary => ({
  forest: { id: 1, name: 'sample', createdAt: '2025-01-01' },
  domains: [],
  models: [seed(tokensTrained)],
  lineage: [],
});

async function forestView(summary: ForestSummary) {
  const api = fakeApi({
    info: () => info,
    forestSummary: () => summary,
    jobs: () => [],
    runs: () => [],
    evaluations: () => [],
    verdict: () => null,
  });
  const forest = new ForestState(api);
  forest.start();
  await waitFor(() => expect(forest.summary).not.toBeNull());
  const onnewexpert = vi.fn();
  render(ForestView, { forest, summary, onopendomain: () => {}, onnewexpert, ontraining: () => {} });
  return onnewexpert;
}

describe('NextSteps', () => {
  it('follows the sample forest in the forest view and opens the new-expert flow', async () => {
    const onnewexpert = await forestView(summaryWith(200_000));
    const next = screen.getByTestId('next-steps');
    // Markup may wrap its text over lines: compare the words, as a reader sees them.
    expect(next.textContent!.replace(/\s+/g, ' ')).toMatch(/only babble/);
    expect(next.textContent).toMatch(/grove serve --home <new folder>/);
    await fireEvent.click(screen.getByRole('button', { name: 'Add a folder…' }));
    expect(onnewexpert).toHaveBeenCalledOnce();
  });

  it('is not shown over a pretrained seed', async () => {
    await forestView(summaryWith(0));
    expect(screen.queryByTestId('next-steps')).toBeNull();
  });

  it('tells the desktop app to restart with GROVE_HOME', () => {
    render(NextSteps, { transport: 'electron', onnewexpert: () => {} });
    expect(screen.getByTestId('next-steps').textContent).toMatch(/set GROVE_HOME to it and restart the app/);
  });
});
