import { describe, expect, it } from 'vitest';
import { applyTheme, checkpointOf, DEFAULT_PREFS, loadPrefs, savePrefs } from '../../../src/renderer/src/lib/prefs';

describe('prefs', () => {
  it('round-trips through storage', () => {
    localStorage.clear();
    const prefs = {
      theme: 'dark',
      budgetKind: 'steps',
      budgetValue: 200,
      device: 'cpu',
      threads: 1,
      chatThreads: 2,
      quant: '4',
      checkpointSteps: 40,
      checkpointMinutes: 2.5,
    } as const;
    savePrefs(localStorage, prefs);
    expect(loadPrefs(localStorage)).toEqual(prefs);
  });

  it('falls back to defaults for missing, malformed or invalid values', () => {
    localStorage.clear();
    expect(loadPrefs(localStorage)).toEqual(DEFAULT_PREFS);
    localStorage.setItem('grove.prefs.v1', '{not json');
    expect(loadPrefs(localStorage)).toEqual(DEFAULT_PREFS);
    localStorage.setItem(
      'grove.prefs.v1',
      JSON.stringify({
        theme: 'purple',
        budgetKind: 'steps',
        budgetValue: -3,
        device: 'tpu',
        threads: 1.5,
        chatThreads: -1,
        quant: 'q4_0',
        checkpointSteps: 2.5,
        checkpointMinutes: 0,
      }),
    );
    expect(loadPrefs(localStorage)).toEqual({ ...DEFAULT_PREFS, budgetKind: 'steps' });
  });

  it('asks for a checkpoint interval in steps only when one is set (0: sized to the run)', () => {
    expect(checkpointOf(DEFAULT_PREFS)).toEqual({ minutes: 5 });
    expect(checkpointOf({ checkpointSteps: 25, checkpointMinutes: 1 })).toEqual({ steps: 25, minutes: 1 });
  });

  it('pins or releases the theme on the root element', () => {
    const root = document.documentElement;
    applyTheme(root, 'dark');
    expect(root.dataset.theme).toBe('dark');
    applyTheme(root, 'system');
    expect(root.hasAttribute('data-theme')).toBe(false);
  });
});
