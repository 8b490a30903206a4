// "Save this mix": the chat's hand-set mix saved under a name through the engine, the name said once saved, and
// the engine's refusal (a taken name) said beside the form.
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import SaveMixForm from '../../../src/renderer/src/components/SaveMixForm.svelte';
import { GroveError } from '../../../src/shared/api/errors';
import { fakeApi } from '../fake-api';

const mix = { kind: 'manual' as const, weights: { law: 0.7, med: 0.3 } };

describe('SaveMixForm', () => {
  it('saves the mix under the name given and says so', async () => {
    const api = fakeApi({
      saveMix: (input: { name: string }) => ({ name: input.name, mix, models: ['law', 'med'], problem: null, createdAt: '' }),
    });
    render(SaveMixForm, { api, mix });
    await fireEvent.click(screen.getByRole('button', { name: 'Save this mix…' }));
    await fireEvent.input(screen.getByLabelText('Name of the mix'), { target: { value: ' legal ' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.getByRole('status').textContent).toMatch(/Saved as legal: .*OpenAI-compatible endpoint/));
    expect(api.saveMix).toHaveBeenCalledWith({ name: 'legal', mix });
  });

  it('says why the engine refused, and cannot save a mix that cannot run', async () => {
    const api = fakeApi({
      saveMix: () => {
        throw new GroveError('conflict', 'A mix named "legal" is already saved; choose another name.');
      },
    });
    const { rerender } = render(SaveMixForm, { api, mix });
    await fireEvent.click(screen.getByRole('button', { name: 'Save this mix…' }));
    await fireEvent.input(screen.getByLabelText('Name of the mix'), { target: { value: 'legal' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/already saved/);
    await rerender({ api, mix: null });
    expect((screen.getByRole('button', { name: 'Save' }) as HTMLButtonElement).disabled).toBe(true);
  });
});
