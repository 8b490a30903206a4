// Normalisation: the rules, and that any chunking of the input gives the same output as one piece.
import { describe, expect, it } from 'vitest';
import { Normalizer, normalizeText } from '../../../src/engine/corpus/normalize';

describe('normalizeText', () => {
  it('turns CRLF and CR into LF, composes to NFC and drops control characters', () => {
    expect(normalizeText('a\r\nb\rc', 'prose')).toBe('a\nb\nc');
    expect(normalizeText('cafe\u0301', 'prose')).toBe('caf\u00e9');
    expect(normalizeText('x\u0000y\u0007z\u200b\ufeff!', 'prose')).toBe('xyz!');
    expect(normalizeText('\u001b[31mred\u001b[0m', 'prose')).toBe('red');
  });

  it('collapses blank lines and inner spaces in prose, trims line ends and the document', () => {
    expect(normalizeText('\n\n  lead\n\n\n\nnext  word\t\there   \n\n\n', 'prose')).toBe('  lead\n\nnext word here');
  });

  it('keeps code indentation and inner spacing', () => {
    const code = 'def f(x):\n    y  =  x\n\tz = 1   \n\n\n\nreturn y\n';
    expect(normalizeText(code, 'code')).toBe('def f(x):\n    y  =  x\n\tz = 1\n\n\nreturn y');
  });

  it('gives the same text whatever the chunk boundaries', () => {
    const text = 'Title\r\n\r\n\r\nCafe\u0301 au lait  and   more.\r\nLine two\u0007.\n\n\n\nEnd\r\n';
    const whole = normalizeText(text, 'prose');
    for (let size = 1; size <= 7; size++) {
      const n = new Normalizer('prose');
      let out = '';
      for (let i = 0; i < text.length; i += size) out += n.push(text.slice(i, i + size));
      out += n.end();
      expect(out, `chunk size ${size}`).toBe(whole);
    }
  });

  it('keeps memory bounded on a single endless line', () => {
    const n = new Normalizer('prose');
    let out = 0;
    for (let i = 0; i < 40; i++) out += n.push('word '.repeat(60_000)).length; // 12 MB, no newline
    out += n.end().length;
    expect(out).toBeGreaterThan(11_000_000);
  });
});
