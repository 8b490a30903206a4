// Ingest at the edges: a folder too small to train on, a vocabulary that needs uint32, 10,000 tiny files, a big file in bounded memory.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroveError } from '../../../src/shared/api/errors';
import { ByteTokenizer } from '../../../src/engine/corpus/byte-tokenizer';
import { ingestFolder } from '../../../src/engine/corpus/ingest';
import { assertTrainable, NothingToTrainOn } from '../../../src/engine/corpus/report';
import { resolveSettings } from '../../../src/engine/corpus/settings';
import { prose, tempDir } from './fixtures';

let root: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir: root, cleanup } = await tempDir()));
afterAll(() => cleanup());

describe('ingest limits', () => {
  it('says how much more text a tiny folder needs', async () => {
    const folder = join(root, 'tiny');
    await mkdir(folder);
    await writeFile(join(folder, 'one.txt'), prose(100, 1));
    const report = await ingestFolder({ folder, out: join(root, 'tiny-out'), tokenizer: new ByteTokenizer() });
    expect(report.trainable).toBe(false);
    expect(report.message).toMatch(/too small to train on: [\d,]+ training tokens; add about [\d,]+ more tokens \(~[\d.]+ KiB of text\)/);
    expect(() => assertTrainable(report)).toThrow(GroveError);
  });

  it('writes uint32 shards for a vocabulary over 65,536 and keeps ids exact', async () => {
    const folder = join(root, 'wide');
    await mkdir(folder);
    const text = 'Wide vocabulary text: ünïcödé and more words.';
    await writeFile(join(folder, 'a.txt'), text);
    const bytes = new ByteTokenizer();
    // Byte ids shifted past 65,535: any tokenizer with a big vocabulary plugs in the same way.
    const wide = { vocabSize: 70_000, eosId: 69_999, encode: (t: string) => Array.from(bytes.encode(t), (id) => id + 65_600) };
    const report = await ingestFolder({ folder, out: join(root, 'wide-out'), tokenizer: wide, settings: { minTrainTokens: 0 } });
    const manifest = JSON.parse(await readFile(join(root, 'wide-out', 'manifest.json'), 'utf8'));
    expect(manifest.dtype).toBe('uint32');
    const split = (['train', 'valid', 'test'] as const).find((s) => report.splits[s].tokens > 0)!;
    const data = await readFile(join(root, 'wide-out', manifest.splits[split].files[0].file));
    const ids = Array.from(new Uint32Array(data.buffer, data.byteOffset, data.byteLength / 4));
    expect(ids).toEqual([...wide.encode(text), 69_999]);
  });

  it('refuses unknown settings and bad tokenizers with the offending name', async () => {
    expect(() => resolveSettings({ maxFileByte: 1 } as never)).toThrow(/maxFileByte/);
    expect(() => resolveSettings({ validFraction: 0.6 })).toThrow(/validFraction/);
    await expect(ingestFolder({ folder: root, out: join(root, 'x'), tokenizer: { vocabSize: 0, encode: () => [] } })).rejects.toThrow(
      /vocabSize/,
    );
    await expect(ingestFolder({ folder: join(root, 'nope'), out: join(root, 'y'), tokenizer: new ByteTokenizer() })).rejects.toThrow(
      /not a readable folder/,
    );
  });

  it('ingests 10,000 tiny files', async () => {
    const folder = join(root, 'many');
    for (let d = 0; d < 100; d++) {
      await mkdir(join(folder, `d${d}`), { recursive: true });
      await Promise.all(
        Array.from({ length: 100 }, (_, i) => writeFile(join(folder, `d${d}`, `n${i}.txt`), `Note ${d}-${i}: ${prose(12, d * 100 + i)}`)),
      );
    }
    const t0 = performance.now();
    const report = await ingestFolder({ folder, out: join(root, 'many-out'), tokenizer: new ByteTokenizer() });
    const seconds = (performance.now() - t0) / 1000;
    expect(report.totals.files).toBe(10_000);
    expect(report.totals.accepted + (report.totals.skippedBy['near-duplicate'] ?? 0) + (report.totals.skippedBy.duplicate ?? 0)).toBe(
      10_000,
    );
    expect(report.totals.accepted).toBeGreaterThan(9_900);
    expect(report.splitBy).toBe('document');
    expect(seconds).toBeLessThan(45);
    const again = await ingestFolder({ folder, out: join(root, 'many-out'), tokenizer: new ByteTokenizer() });
    expect(again.processed).toMatchObject({ extracted: 0, reused: 10_000 });
  });

  it('streams a large text file in bounded memory', async () => {
    const folder = join(root, 'big');
    await mkdir(folder);
    const block = `${prose(20_000, 9)}\n\n`;
    const target = 48 * 1024 * 1024;
    const fh = await (await import('node:fs/promises')).open(join(folder, 'big.txt'), 'w');
    for (let written = 0; written < target; written += block.length) await fh.write(block);
    await fh.close();
    // Live memory, not garbage waiting for a collection: collect, then measure, at every progress event.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const live = (): number => {
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const base = live();
    let peak = base;
    let samples = 0;
    const report = await ingestFolder({
      folder,
      out: join(root, 'big-out'),
      tokenizer: new ByteTokenizer(),
      onProgress: (p) => {
        if (p.phase !== 'extract' || p.bytesDone === 0) return;
        samples++;
        peak = Math.max(peak, live());
      },
    });
    expect(samples).toBeGreaterThan(3);
    expect(report.totals.accepted).toBe(1);
    expect(report.splitBy).toBe('piece');
    expect(report.splits.valid.tokens).toBeGreaterThan(0);
    // Reading the 48 MiB file whole would hold at least 48 MiB of bytes plus its text; streaming holds a few MiB.
    expect(peak - base).toBeLessThan(16 * 1024 * 1024);
  });
});

describe('folders with nothing to train on', () => {
  it('refuses an empty folder and a junk-only folder, says why, and leaves no output folder', async () => {
    const empty = join(root, 'empty');
    await mkdir(empty);
    await expect(ingestFolder({ folder: empty, out: join(root, 'empty-out'), tokenizer: new ByteTokenizer() })).rejects.toThrow(
      /^Nothing to train on in .*empty: it holds no files/,
    );
    expect(existsSync(join(root, 'empty-out'))).toBe(false);

    const junk = join(root, 'junk');
    await mkdir(junk);
    await writeFile(join(junk, 'a.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13]));
    await writeFile(join(junk, 'b.txt'), '');
    await writeFile(join(junk, 'c.bin'), Buffer.from([1, 0, 2, 0, 3, 0, 4]));
    const err = await ingestFolder({ folder: junk, out: join(root, 'junk-out'), tokenizer: new ByteTokenizer() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NothingToTrainOn);
    expect((err as Error).message).toMatch(
      /^Nothing to train on in .*junk: 3 files skipped \(2 binary, 1 empty\)\. a\.png: It is a PNG image\./,
    );
    expect(existsSync(join(root, 'junk-out'))).toBe(false);
  });

  it('cleans up after a failed first ingest, and keeps the previous generation when a re-ingest finds nothing', async () => {
    await expect(
      ingestFolder({ folder: join(root, 'no-such-folder'), out: join(root, 'missing-out'), tokenizer: new ByteTokenizer() }),
    ).rejects.toThrow(GroveError);
    expect(existsSync(join(root, 'missing-out'))).toBe(false);

    const folder = join(root, 'shrinking');
    await mkdir(folder);
    await writeFile(join(folder, 'a.txt'), prose(300, 7));
    const out = join(root, 'shrinking-out');
    await ingestFolder({ folder, out, tokenizer: new ByteTokenizer(), settings: { minTrainTokens: 0 } });
    const manifest = await readFile(join(out, 'manifest.json'), 'utf8');
    await writeFile(join(folder, 'a.txt'), '');
    await expect(ingestFolder({ folder, out, tokenizer: new ByteTokenizer(), settings: { minTrainTokens: 0 } })).rejects.toThrow(
      /1 file skipped \(1 empty\)/,
    );
    expect(await readFile(join(out, 'manifest.json'), 'utf8')).toBe(manifest);
  });
});
