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

describe('Normalizer.dropNote', () => {
  const run = (text: string, chunks = 1): Normalizer => {
    const n = new Normalizer('prose');
    const step = Math.ceil(text.length / chunks);
    for (let i = 0; i < text.length; i += step) n.push(text.slice(i, i + step));
    n.end();
    return n;
  };

  it('says how much text the cleanup removed, and which characters, when it is more than 1 % of the document', () => {
    // What a cp1252 letter decoded as Latin-1 looks like: its apostrophes and quotes are C1 controls.
    const text = 'It\u0092s \u0093free\u0094, isn\u0092t it? '.repeat(40);
    const n = run(text, 7);
    expect(n.droppedCount).toBe(160);
    expect(n.dropNote()).toMatch(
      /^160 control characters \(\d+\.\d % of the text; most often U\+0092 ×80, U\+0093 ×40, U\+0094 ×40\) were removed; .*encoding/,
    );
  });

  it('stays quiet for a stray control character, a byte-order mark or zero-width spaces', () => {
    expect(run(`${'plain words here '.repeat(20)}\u0007`).dropNote()).toBeUndefined();
    expect(run(`\ufeff${'a\u200bb '.repeat(50)}`).dropNote()).toBeUndefined();
    expect(run('no controls at all').droppedCount).toBe(0);
  });
});
