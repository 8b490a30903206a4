// One document is tokenized piece by piece, and a cancel that arrives while it is being tokenized stops it
// between two pieces: the document never has to finish first (a long one could take minutes).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ByteTokenizer } from '../../../src/engine/corpus/byte-tokenizer';
import { ingestFolder } from '../../../src/engine/corpus/ingest';
import type { CorpusTokenizer } from '../../../src/engine/corpus/types';
import { prose, tempDir } from './fixtures';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

describe('processFile', () => {
  it('stops a document mid-way when the cancel arrives (from the event loop) while it is tokenized', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const folder = join(dir, 'in');
    await (await import('node:fs/promises')).mkdir(folder);
    // About 100 KB: read ahead into memory whole, so only the pieces' own checks can let a cancel in.
    const text = prose(16_000, 3);
    await writeFile(join(folder, 'long.txt'), text);
    const pieceChars = 1024;
    const controller = new AbortController();
    const bytes = new ByteTokenizer();
    let pieces = 0;
    // The real byte tokenizer; its first call asks for a cancel the way a worker receives one: as a later event.
    const tokenizer: CorpusTokenizer = {
      vocabSize: bytes.vocabSize,
      eosId: bytes.eosId,
      encode: (t) => {
        // Ingest also encodes a short probe to fingerprint the tokenizer; count only the document's pieces.
        if (t.length >= pieceChars / 2 && pieces++ === 0) setImmediate(() => controller.abort());
        return bytes.encode(t);
      },
    };
    const run = ingestFolder({ folder, out: join(dir, 'out'), tokenizer, settings: { pieceChars }, signal: controller.signal });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(text.length / pieceChars).toBeGreaterThan(50);
    expect(pieces).toBeLessThanOrEqual(2);
  });
});
