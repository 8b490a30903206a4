// Errors from the OS and the JavaScript engine become sentences a person can act on; raw codes and V8 messages never
// reach a report. The errors here are real ones, thrown by the file system and the engine, not made-up objects.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ByteTokenizer } from '../../../src/engine/corpus/byte-tokenizer';
import { processFile } from '../../../src/engine/corpus/process-file';
import { listFailure, readFailure } from '../../../src/engine/corpus/read-errors';
import { resolveSettings } from '../../../src/engine/corpus/settings';
import { IncomingTokens } from '../../../src/engine/corpus/shards';
import type { FileOutcome } from '../../../src/engine/corpus/types';
import type { WalkFile } from '../../../src/engine/corpus/walk';
import { runBoundByFileModes } from '../../helpers/file-modes';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
const CHILD = join(import.meta.dirname, 'locked-file.child.ts');
const RAW = /E[A-Z]{3,}|Maximum call stack|Invalid string length|RangeError/;

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('readFailure', () => {
  it('gives each file-system error class its own sentence without the raw code', () => {
    const cases: [unknown, RegExp][] = [
      [thrown(() => readFileSync(dir)), /is a folder where a file was expected/],
      [thrown(() => readFileSync(join(dir, 'gone.txt'))), /disappeared/],
      [thrown(() => readFileSync(join(dir, 'x'.repeat(5000)))), /path is too long.*rename/],
    ];
    for (const [err, sentence] of cases) {
      const f = readFailure(err);
      expect(f?.reason).toBe('unreadable');
      expect(f?.detail).toMatch(sentence);
      expect(f?.detail).not.toMatch(RAW);
    }
  });

  it("turns V8's limits into skips a person understands", () => {
    const deep = (n: number): number => deep(n + 1) + 1;
    expect(readFailure(thrown(() => deep(0)))).toEqual({ reason: 'corrupt', detail: expect.stringMatching(/nested too deeply/) });
    expect(readFailure(thrown(() => 'ab'.repeat(2 ** 30)))).toEqual({
      reason: 'too large',
      detail: expect.stringMatching(/too large to hold in memory.*split/),
    });
    expect(readFailure(new Error('Invalid PDF structure'))).toBeUndefined(); // a parser's complaint: the caller reports it as corrupt
  });

  it('says what to do for a folder that cannot be listed', () => {
    expect(listFailure(thrown(() => readFileSync(join(dir, 'y'.repeat(5000)))))).toMatch(/too long/);
  });
});

describe('processFile on files that fail to read', () => {
  const settings = resolveSettings({});
  let incoming: IncomingTokens;
  afterAll(() => incoming?.close());
  const run = async (file: WalkFile) => {
    incoming ??= await IncomingTokens.create(join(dir, 'incoming.tmp'), 'uint16', 257);
    return processFile(file, { settings, tokenizer: new ByteTokenizer(), incoming, onBytes: () => undefined });
  };
  const walked = (abs: string): WalkFile => ({ kind: 'file', path: 'doc.txt', abs, size: 100, mtimeMs: 0 });

  it('reports a file that became a folder, and one that vanished, by a sentence', async () => {
    mkdirSync(join(dir, 'now-a-folder.txt'));
    const folder = await run(walked(join(dir, 'now-a-folder.txt')));
    expect(folder).toMatchObject({
      status: 'skipped',
      reason: 'unreadable',
      detail: expect.stringMatching(/folder where a file was expected/),
    });
    const vanished = await run(walked(join(dir, 'vanished.txt')));
    expect(vanished).toMatchObject({ status: 'skipped', reason: 'unreadable', detail: expect.stringMatching(/disappeared/) });
    for (const p of [folder, vanished]) expect(p.status === 'skipped' && p.detail).not.toMatch(RAW);
  });

  // In a child bound by file modes: root (CI) would otherwise read the file whatever its mode.
  it('reports a file without read permission as a permission problem', () => {
    const p = join(dir, 'locked.txt');
    writeFileSync(p, 'x'.repeat(100));
    chmodSync(p, 0);
    const outcome = runBoundByFileModes<FileOutcome>(CHILD, ['process', p]);
    expect(outcome).toMatchObject({ status: 'skipped', reason: 'unreadable', detail: expect.stringMatching(/not allowed to read it/) });
    expect(outcome.status === 'skipped' && outcome.detail).not.toMatch(RAW);
  });
});
