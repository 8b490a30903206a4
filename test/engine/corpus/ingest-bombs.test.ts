// A folder of decompression bombs beside ordinary files: every bomb is skipped with its reason, without inflating
// it (the process's peak memory barely moves), and every other file is ingested.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ByteTokenizer } from '../../../src/engine/corpus/byte-tokenizer';
import { ingestFolder } from '../../../src/engine/corpus/ingest';
import type { IngestReport } from '../../../src/engine/corpus/types';
import { makeDocx, makeEpub, prose, tempDir } from './fixtures';
import { DOC_HEAD, DOC_TAIL, bombPart, deflated, docxBomb, docxWith, epubBomb, rawZip } from './zip-bombs';

const MIB = 1024 * 1024;
let root: string;
let cleanup: () => Promise<void>;
let report: IngestReport;
let peakGrowth = 0;

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir());
  const folder = join(root, 'docs');
  const put = async (rel: string, data: string | Uint8Array): Promise<void> => {
    await mkdir(join(folder, rel, '..'), { recursive: true });
    await writeFile(join(folder, rel), data);
  };
  await put('bombs/report.docx', docxBomb(300)); // 300 MiB of one character from ~300 KB
  await put('bombs/huge.docx', docxBomb(1024)); // 1 GiB
  await put('bombs/liar.docx', docxBomb(300, 2000)); // its directory says 2,000 bytes
  await put('bombs/book.epub', epubBomb(300));
  await put('bombs/nested.zip', rawZip([{ name: 'inner.docx', data: docxBomb(300), method: 0, crc: 0, size: docxBomb(300).length }]));
  // A small file of very repetitive markup: a high ratio, but only a few MiB in all, so it is read.
  const para = '<w:p><w:r><w:t>All work and no play makes a dull document. </w:t></w:r></w:p>';
  await put(
    'ok/repetitive.docx',
    rawZip([
      deflated('[Content_Types].xml', '<Types/>'),
      deflated(
        'word/document.xml',
        `${DOC_HEAD}x${DOC_TAIL.slice(0, -'</w:body></w:document>'.length)}${para.repeat(20_000)}</w:body></w:document>`,
      ),
    ]),
  );
  // An ordinary document carrying a bomb as an embedded file: the embedded file is never opened.
  const innerBomb = rawZip([bombPart('inner.txt', 1024)]);
  await put(
    'ok/with-embedded.docx',
    docxWith(`Embedded objects stay shut. ${prose(80, 3)}`, [
      { name: 'word/embeddings/oleObject1.bin', data: innerBomb, method: 0, crc: 0, size: innerBomb.length },
    ]),
  );
  await put('ok/plain.docx', makeDocx(['An ordinary Word document.', prose(120, 4)]));
  await put('ok/plain.epub', makeEpub([{ file: 'a.xhtml', title: 'One', text: prose(120, 5) }], ['a.xhtml']));
  await put('ok/notes.txt', prose(300, 6));
  const before = process.resourceUsage().maxRSS * 1024;
  report = await ingestFolder({ folder, out: join(root, 'out'), tokenizer: new ByteTokenizer(), settings: { minTrainTokens: 0 } });
  peakGrowth = process.resourceUsage().maxRSS * 1024 - before;
});
afterAll(() => cleanup());

const outcome = (path: string) => report.files.find((f) => f.path === path)!;

describe('ingesting a folder with decompression bombs', () => {
  it('skips each bomb with a reason that says so', () => {
    for (const bomb of ['bombs/report.docx', 'bombs/huge.docx', 'bombs/book.epub']) {
      expect(outcome(bomb)).toMatchObject({
        status: 'skipped',
        reason: 'too large',
        detail: expect.stringMatching(/expands to over [\d.]+ MiB .*likely a decompression bomb/),
      });
    }
    expect(outcome('bombs/liar.docx')).toMatchObject({
      status: 'skipped',
      reason: 'corrupt',
      detail: expect.stringMatching(/holds 2000 bytes, but it inflates to more/),
    });
    expect(outcome('bombs/nested.zip')).toMatchObject({
      status: 'skipped',
      reason: 'binary',
      detail: expect.stringMatching(/zip archive; unpack it/),
    });
  });

  it('never inflates them: peak memory grows by far less than one bomb', () => {
    expect(peakGrowth).toBeLessThan(150 * MIB);
  });

  it('ingests every other file, the high-ratio document and the one with an embedded bomb included', () => {
    for (const ok of ['ok/repetitive.docx', 'ok/with-embedded.docx', 'ok/plain.docx', 'ok/plain.epub', 'ok/notes.txt'])
      expect(outcome(ok).status).toBe('accepted');
    const repetitive = outcome('ok/repetitive.docx') as { textBytes: number; bytes: number };
    expect(repetitive.textBytes).toBeGreaterThan(0.8 * MIB);
    expect(repetitive.textBytes / repetitive.bytes).toBeGreaterThan(100); // past the ratio, but under the ratio-free floor
  });
});
