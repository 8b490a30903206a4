// Focus on a screen change: the new screen's title takes it (focusable by script, not in the Tab order).
import { afterEach, describe, expect, it } from 'vitest';
import { focusScreenTitle } from '../../../src/renderer/src/lib/screen-focus';

describe('focusScreenTitle', () => {
  afterEach(() => document.body.replaceChildren());

  it('focuses the screen’s h2, reachable by script but not by Tab', () => {
    const main = document.createElement('main');
    main.innerHTML =
      '<details><summary>Background work</summary></details><section><h2>Training</h2><h3>Runs</h3><button>Pause</button></section>';
    document.body.append(main);
    expect(focusScreenTitle(main)).toBe(true);
    const title = main.querySelector('h2')!;
    expect(document.activeElement).toBe(title);
    expect(title.getAttribute('tabindex')).toBe('-1');
  });

  it('leaves focus where it is while the screen has no title yet', () => {
    const main = document.createElement('main');
    main.innerHTML = '<p>Reading the report…</p>';
    const button = document.createElement('button');
    document.body.append(main, button);
    button.focus();
    expect(focusScreenTitle(main)).toBe(false);
    expect(document.activeElement).toBe(button);
  });
});
