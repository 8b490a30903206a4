import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256File } from '../../src/engine/file-hash';
import { tempDir } from '../helpers/tmp';

describe('sha256File', () => {
  it('hashes a file as sha256 of its bytes, across read chunks', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'abc'), 'abc');
    expect(await sha256File(join(dir, 'abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    // 9 MiB of one byte: three 4 MiB reads; the same digest as hashing it whole.
    const big = Buffer.alloc(9 << 20, 7);
    writeFileSync(join(dir, 'big'), big);
    expect(await sha256File(join(dir, 'big'))).toBe(createHash('sha256').update(big).digest('hex'));
  });
});
