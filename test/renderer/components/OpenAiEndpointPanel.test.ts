// The Settings panel of the OpenAI-compatible endpoint against a fake engine: off, a switch; switched on, the
// address, the key, the names a client can ask for (forest, the saved mixes that can run, the ready models) and
// a snippet that follows the language and model chosen; a problem (a port in use) is said.
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import OpenAiEndpointPanel from '../../../src/renderer/src/components/OpenAiEndpointPanel.svelte';
import { fakeApi } from '../fake-api';

const on = { enabled: true, url: 'http://127.0.0.1:7420/v1', key: 'the-key', problem: null };
const off = { enabled: false, url: null, key: null, problem: null };
const mixes = [
  { name: 'legal', mix: { kind: 'manual' as const, weights: { law: 1 } }, models: ['law'], problem: null, createdAt: '' },
  { name: 'gone', mix: { kind: 'manual' as const, weights: { old: 1 } }, models: [], problem: 'No model named "old"', createdAt: '' },
];

describe('OpenAiEndpointPanel', () => {
  it('switches the endpoint on and shows the address, key, names and a snippet', async () => {
    let state: typeof on | typeof off = off;
    const api = fakeApi({
      openaiEndpoint: () => state,
      setOpenaiEndpoint: (input: { enabled: boolean }) => (state = input.enabled ? on : off),
      mixes: () => mixes,
    });
    render(OpenAiEndpointPanel, { api, models: ['seed', 'law'] });
    const toggle = (await screen.findByRole('switch')) as HTMLInputElement;
    await waitFor(() => expect(toggle.disabled).toBe(false));
    expect(toggle.checked).toBe(false);
    expect(screen.queryByTestId('openai-url')).toBeNull();

    await fireEvent.click(toggle);
    await waitFor(() => expect(screen.getByTestId('openai-url').textContent).toBe('http://127.0.0.1:7420/v1'));
    expect(api.setOpenaiEndpoint).toHaveBeenCalledWith({ enabled: true });
    expect(screen.getByTestId('openai-key').textContent).toBe('the-key');
    expect(screen.getByTestId('openai-models').textContent).toBe('forest, legal, seed, law');
    expect(screen.getByTestId('openai-snippet').textContent).toContain('OpenAI(base_url="http://127.0.0.1:7420/v1", api_key="the-key")');
    await fireEvent.change(screen.getByLabelText('Snippet'), { target: { value: 'curl' } });
    await fireEvent.change(screen.getByLabelText('Model'), { target: { value: 'legal' } });
    expect(screen.getByTestId('openai-snippet').textContent).toMatch(
      /^curl 'http:\/\/127\.0\.0\.1:7420\/v1\/chat\/completions'[\s\S]*"model":"legal"/,
    );

    await fireEvent.click(toggle);
    await waitFor(() => expect(screen.queryByTestId('openai-url')).toBeNull());
  });

  it('says why the endpoint is not served although switched on', async () => {
    const api = fakeApi({
      openaiEndpoint: () => ({ enabled: true, url: null, key: null, problem: 'Port 7421 on 127.0.0.1 is in use by another program.' }),
      mixes: () => [],
    });
    render(OpenAiEndpointPanel, { api, models: [] });
    expect((await screen.findByTestId('openai-problem')).textContent).toMatch(/Port 7421/);
    expect(((await screen.findByRole('switch')) as HTMLInputElement).checked).toBe(true);
  });
});
