// Token files hold exactly the ids they are given: an id their dtype cannot hold is refused, never wrapped.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GroveError } from '../../../src/shared/api/errors';
import { IncomingTokens, ShardWriter } from '../../../src/engine/corpus/shards';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir('grove-shards-');

describe('token files', () => {
  it('refuse ids a uint16 or uint32 file cannot hold (2^16, 2^32, 2^32+5, -1, 1.5, NaN) instead of storing them wrapped', async () => {
    const cases: Array<['uint16' | 'uint32', number, number]> = [
      ['uint16', 65_536, 65_536],
      ['uint32', 2 ** 32, 2 ** 33],
      ['uint32', 2 ** 32 + 5, 2 ** 33],
      ['uint32', -1, 2 ** 33],
      ['uint32', 1.5, 2 ** 33],
      ['uint32', Number.NaN, 2 ** 33],
    ];
    for (const [dtype, id, vocabSize] of cases) {
      const path = join(dir, `incoming-${dtype}-${String(id)}.bin`);
      const incoming = await IncomingTokens.create(path, dtype, vocabSize);
      await incoming.write([1, 2]);
      const err = await incoming.write([3, id, 4]).catch((e: unknown) => e);
      expect(err, `${dtype} ${id}`).toBeInstanceOf(GroveError);
      expect((err as GroveError).message).toContain(`token id ${id}, which a ${dtype} token file cannot hold`);
      await incoming.close();
      // Nothing of the refused write is on disk (all or none), and what came before is intact.
      const bytes = await readFile(path);
      const ids =
        dtype === 'uint16'
          ? new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2)
          : new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
      expect(Array.from(ids)).toEqual([1, 2]);
    }
  });

  it('stores the largest id each dtype holds, and refuses an id past the vocabulary', async () => {
    const writer = new ShardWriter(dir, 'big', 'uint32', 2 ** 32, 1000);
    await writer.beginPiece();
    await writer.append([0, 2 ** 32 - 1]);
    const [shard] = await writer.finish();
    const bytes = await readFile(join(dir, shard!.file));
    expect(Array.from(new Uint32Array(bytes.buffer, bytes.byteOffset, 2))).toEqual([0, 2 ** 32 - 1]);

    const small = await IncomingTokens.create(join(dir, 'small.bin'), 'uint16', 300);
    await expect(small.write([300])).rejects.toThrow(/token id 300, outside its vocabulary of 300/);
    await small.close();
  });
});
