import { describe, expect, it } from 'vitest';
import { applyTheme, DEFAULT_PREFS, loadPrefs, savePrefs } from '../../../src/renderer/src/lib/prefs';

describe('prefs', () => {
  it('round-trips through storage', () => {
    localStorage.clear();
    savePrefs(localStorage, { theme: 'dark', budgetKind: 'steps', budgetValue: 200, device: 'cpu', threads: 1, chatThreads: 2 });
    expect(loadPrefs(localStorage)).toEqual({ theme: 'dark', budgetKind: 'steps', budgetValue: 200, device: 'cpu', threads: 1, chatThreads: 2 });
  });

  it('falls back to defaults for missing, malformed or invalid values', () => {
    localStorage.clear();
    expect(loadPrefs(localStorage)).toEqual(DEFAULT_PREFS);
    localStorage.setItem('grove.prefs.v1', '{not json');
    expect(loadPrefs(localStorage)).toEqual(DEFAULT_PREFS);
    localStorage.setItem('grove.prefs.v1', JSON.stringify({ theme: 'purple', budgetKind: 'steps', budgetValue: -3, device: 'tpu', threads: 1.5, chatThreads: -1 }));
    expect(loadPrefs(localStorage)).toEqual({ ...DEFAULT_PREFS, budgetKind: 'steps' });
  });

  it('pins or releases the theme on the root element', () => {
    const root = document.documentElement;
    applyTheme(root, 'dark');
    expect(root.dataset.theme).toBe('dark');
    applyTheme(root, 'system');
    expect(root.hasAttribute('data-theme')).toBe(false);
  });
});
