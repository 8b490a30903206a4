// Stop sequences over streamed text: a tail that may begin a stop sequence is held until the next text
// decides; a stop found inside one piece or across pieces cuts the text there; items (tokens' log-probabilities)
// travel with the text they wrote.
import { describe, expect, it } from 'vitest';
import { StopText } from '../../../src/server/openai/stop-text';

describe('StopText', () => {
  it('releases text at once when no stop sequence could begin in it', () => {
    const s = new StopText<number>(['END']);
    expect(s.push('hello ', [1])).toEqual({ text: 'hello ', items: [1], stopped: false });
    expect(s.push('world', [2])).toEqual({ text: 'world', items: [2], stopped: false });
    expect(s.flush()).toEqual({ text: '', items: [], stopped: false });
  });

  it('holds a possible beginning, and lets it go when the next text shows it is none', () => {
    const s = new StopText<number>(['END']);
    expect(s.push('abc E', [1])).toEqual({ text: 'abc ', items: [], stopped: false });
    expect(s.push('N', [2])).toEqual({ text: '', items: [], stopped: false });
    expect(s.push('x', [3])).toEqual({ text: 'ENx', items: [1, 2, 3], stopped: false });
  });

  it('cuts at a stop sequence across pieces, keeping the items of tokens that wrote text before it', () => {
    const s = new StopText<number>(['END', '\n\n']);
    expect(s.push('one E', [1])).toEqual({ text: 'one ', items: [], stopped: false });
    expect(s.push('NDing', [2])).toEqual({ text: '', items: [1], stopped: true });
    expect(s.push('more', [3])).toEqual({ text: '', items: [], stopped: true });
    expect(s.flush().stopped).toBe(true);
  });

  it('finds a stop sequence inside one piece, and the earliest of several', () => {
    const s = new StopText<number>(['b\n', 'xy']);
    expect(s.push('axyb\nc', [1])).toEqual({ text: 'a', items: [1], stopped: true });
    const t = new StopText<number>(['.']);
    expect(t.push('.', [1])).toEqual({ text: '', items: [], stopped: true });
  });

  it('flushes a held tail at the end', () => {
    const s = new StopText<string>(['###']);
    expect(s.push('a ##', ['a'])).toEqual({ text: 'a ', items: [], stopped: false });
    expect(s.flush()).toEqual({ text: '##', items: ['a'], stopped: false });
  });

  it('passes everything through without stop sequences', () => {
    const s = new StopText<number>([]);
    expect(s.push('E', [1])).toEqual({ text: 'E', items: [1], stopped: false });
    expect(s.push('', [2])).toEqual({ text: '', items: [2], stopped: false });
  });
});
