import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import TrainingSettings, { budgetOf, deviceChoices, deviceNote } from '../../../src/renderer/src/components/TrainingSettings.svelte';
import type { EngineInfo } from '../../../src/shared/api';

const info = (providers: EngineInfo['runtime']['providers']): EngineInfo => ({
  version: '0.1.0',
  forestHome: '/f',
  transport: 'http',
  runtime: { onnxruntimeVersion: '1.30.0', cpuCores: 2, providers },
  memory: { totalBytes: 16e9, availableBytes: 8e9 },
});

describe('TrainingSettings', () => {
  it('offers a GPU provider only where the engine has it', () => {
    expect(
      deviceChoices(
        info([
          { name: 'cpu', available: true },
          { name: 'cuda', available: false, reason: 'not installed' },
        ]),
      ).map((d) => d.value),
    ).toEqual(['auto', 'cpu']);
    expect(
      deviceChoices(
        info([
          { name: 'cpu', available: true },
          { name: 'cuda', available: true },
        ]),
      ).map((d) => d.value),
    ).toEqual(['auto', 'cpu', 'cuda']);
    expect(deviceChoices(null)[0]!.label).toBe('Best available: CPU');
    // Why "best available" is the CPU is said beside the choice, not in its (cut) option text.
    expect(deviceNote(null)).toBe('No GPU provider is available to the engine here, so experts train on the CPU.');
    expect(deviceNote(info([{ name: 'cuda', available: true }]))).toBeNull();
  });

  it('turns the budget into trainExpert’s: minutes as given, steps and tokens whole, nonsense refused', () => {
    expect(budgetOf('minutes', 2.5)).toEqual({ minutes: 2.5 });
    expect(budgetOf('steps', 12.4)).toEqual({ steps: 12 });
    expect(budgetOf('tokens', 1e6)).toEqual({ tokens: 1_000_000 });
    expect(budgetOf('steps', 0.2)).toBeNull();
    expect(budgetOf('minutes', Number.NaN)).toBeNull();
    expect(budgetOf('tokens', -5)).toBeNull();
  });

  it('labels every field', () => {
    render(TrainingSettings, { info: info([{ name: 'cpu', available: true }]) });
    for (const label of ['Budget', 'Unit', 'Device', 'Expert name']) expect(screen.getByLabelText(label)).toBeTruthy();
  });
});
