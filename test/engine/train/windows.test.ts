import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TokenWindows } from '../../../src/engine/train/windows';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();

function shard(name: string, ids: number[], dtype: 'uint16' | 'uint32'): { path: string; dtype: 'uint16' | 'uint32' } {
  const data = dtype === 'uint16' ? new Uint16Array(ids) : new Uint32Array(ids);
  const path = join(dir, name);
  writeFileSync(path, Buffer.from(data.buffer));
  return { path, dtype };
}

describe('TokenWindows', () => {
  // Each shard counts upward, so every window must be consecutive ids and targets = inputs + 1.
  const a = shard(
    'a.u16',
    Array.from({ length: 1000 }, (_, i) => i),
    'uint16',
  );
  const b = shard(
    'b.u32',
    Array.from({ length: 300 }, (_, i) => 100_000 + i),
    'uint32',
  );

  it('cuts consecutive windows with targets shifted by one, from uint16 and uint32 shards', () => {
    const w = new TokenWindows([a, b], 16, 7);
    const { inputs, targets } = w.batch(0, 64);
    let fromB = 0;
    for (let r = 0; r < 64; r++) {
      const row = inputs.subarray(r * 16, r * 16 + 16);
      const first = row[0] as number;
      if (first >= 100_000) fromB++;
      for (let t = 0; t < 16; t++) {
        expect(row[t]).toBe(first + t);
        expect(targets[r * 16 + t]).toBe(first + t + 1);
      }
    }
    // b holds 284 of the 1268 window starts: about 22 % of rows.
    expect(fromB).toBeGreaterThan(3);
    expect(fromB).toBeLessThan(30);
    w.close();
  });

  it('gives the same batch for the same (seed, step), whatever ran before', () => {
    const w1 = new TokenWindows([a, b], 8, 42);
    const w2 = new TokenWindows([a, b], 8, 42);
    w1.batch(0, 4);
    w1.batch(1, 4);
    expect(w1.batch(2, 4)).toEqual(w2.batch(2, 4));
    expect(w1.batch(3, 4)).not.toEqual(w1.batch(4, 4));
    expect(new TokenWindows([a], 8, 43).batch(2, 4)).not.toEqual(w2.batch(2, 4));
  });

  it('says how much text is missing when no window fits', () => {
    const tiny = shard('tiny.u16', [1, 2, 3], 'uint16');
    expect(() => new TokenWindows([tiny], 8, 1)).toThrow(/hold 3 tokens, but one training window needs 9/);
  });

  it('refuses a truncated shard', () => {
    const path = join(dir, 'odd.u16');
    writeFileSync(path, Buffer.from([1, 2, 3]));
    expect(() => new TokenWindows([{ path, dtype: 'uint16' }], 1, 1)).toThrow(/not a whole number of uint16 tokens/);
  });
});
