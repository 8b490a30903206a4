import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../../src/renderer/src/lib/markdown';
import { alignRendered } from '../../../src/renderer/src/lib/rendered-tints';

/** The text a browser shows for some HTML. */
function shown(html: string): string {
  const div = document.createElement('div');
  div.innerHTML = html;
  return div.textContent ?? '';
}

describe('alignRendered', () => {
  it('finds every rendered character of common Markdown in its source, in order', () => {
    for (const source of [
      '# Title\n\nSome *emphasis* and **bold** text.',
      '- one\n- two\n  - nested',
      '```python\nprint("hi")\n```',
      'A \\*literal\\* star, `code`, and [a link](https://example.org).',
      '| a | b |\n| --- | --- |\n| 1 | 2 |',
    ]) {
      const rendered = shown(renderMarkdown(source)).replace(/\s+$/, '');
      const align = alignRendered(rendered, source);
      const missing = [...rendered].filter((ch, i) => align[i]! < 0 && ch.trim());
      expect(missing, source).toEqual([]);
      for (let i = 0; i < rendered.length; i++) if (align[i]! >= 0 && rendered[i]!.trim()) expect(source[align[i]!]).toBe(rendered[i]);
      const found = [...align].filter((j) => j >= 0);
      expect(found).toEqual([...found].sort((x, y) => x - y));
    }
  });

  it('leaves characters the source does not hold unmatched instead of jumping far ahead', () => {
    const align = alignRendered('a&b', `a ${'and then much later, '.repeat(4)}there is an & sign, beyond the window of the scan b`);
    expect(align[0]).toBe(0);
    expect(align[1]).toBe(-1);
  });
});
