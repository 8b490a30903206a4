// Names the walk must survive: bytes that are not UTF-8, newlines, carriage returns and bidi controls, folders
// named like files; each is read, and shown in the report as one escaped line.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ByteTokenizer } from '../../../src/engine/corpus/byte-tokenizer';
import { ingestFolder } from '../../../src/engine/corpus/ingest';
import { formatReport } from '../../../src/engine/corpus/report';
import type { IngestReport } from '../../../src/engine/corpus/types';
import { displayName, walkFolder } from '../../../src/engine/corpus/walk';
import { tempDir } from '../../helpers/tmp';
import { prose } from './fixtures';

const dir = tempDir();
const folder = join(dir, 'in');
const bytesPath = (...parts: (string | number[])[]): Buffer =>
  Buffer.concat(parts.flatMap((p, i) => [...(i ? [Buffer.from('/')] : []), typeof p === 'string' ? Buffer.from(p) : Buffer.from(p)]));
let report: IngestReport;

beforeAll(async () => {
  mkdirSync(folder);
  // "caf\xe9.txt": a Latin-1 name on a UTF-8 system, and a folder "d\xfe" holding a file.
  writeFileSync(bytesPath(folder, [0x63, 0x61, 0x66, 0xe9, 0x2e, 0x74, 0x78, 0x74]), prose(300, 1));
  mkdirSync(bytesPath(folder, [0x64, 0xfe]));
  writeFileSync(bytesPath(folder, [0x64, 0xfe], 'inner.txt'), prose(300, 2));
  writeFileSync(join(folder, 'line\nbreak.txt'), prose(300, 3));
  writeFileSync(join(folder, 'over\rwrite.txt'), prose(300, 4));
  writeFileSync(join(folder, 'evil\u202egnp.txt'), prose(300, 5));
  mkdirSync(join(folder, 'book.txt'));
  writeFileSync(join(folder, 'book.txt', 'chapter.md'), prose(300, 6));
  report = await ingestFolder({ folder, out: join(dir, 'out'), tokenizer: new ByteTokenizer(), settings: { minTrainTokens: 0 } });
});

describe('walkFolder names', () => {
  it('escapes only the invalid bytes of a name and keeps its valid UTF-8', () => {
    expect(displayName(Buffer.from([0x61, 0xff, 0xc3, 0xa9, 0xe2, 0x82]))).toBe('a\\xffé\\xe2\\x82');
    expect(displayName(Buffer.from('naïve'))).toBe('naïve');
  });

  it('reads files whose names (or folders) are not valid UTF-8, instead of calling them not found', async () => {
    const entries = await walkFolder(folder, { ignore: [], allowOutside: false });
    expect(entries.filter((e) => e.kind === 'file').map((e) => e.path)).toContain('caf\\xe9.txt');
    const accepted = report.files.filter((f) => f.status === 'accepted').map((f) => f.path);
    expect(accepted).toEqual(expect.arrayContaining(['caf\\xe9.txt', 'd\\xfe/inner.txt']));
    expect(report.totals.skipped).toBe(0);
  });

  it('reads names with a newline, a carriage return or a right-to-left override, and a folder named like a file', () => {
    const accepted = report.files.filter((f) => f.status === 'accepted').map((f) => f.path);
    expect(accepted).toEqual(expect.arrayContaining(['line\nbreak.txt', 'over\rwrite.txt', 'evil\u202egnp.txt', 'book.txt/chapter.md']));
    expect(JSON.stringify(report.files)).not.toMatch(/EISDIR|ENOENT/);
  });
});

describe('formatReport with hostile names', () => {
  it('keeps every row on one line and shows control and bidi characters as escapes', () => {
    const text = formatReport(report);
    expect(text).not.toMatch(/[\r\u202e]/);
    const rows = text.split('\n');
    expect(rows.filter((r) => / accepted /.test(r))).toHaveLength(report.totals.accepted);
    expect(rows.some((r) => r.startsWith('line\\nbreak.txt '))).toBe(true);
    expect(rows.some((r) => r.startsWith('over\\rwrite.txt '))).toBe(true);
    expect(rows.some((r) => r.startsWith('evil\\u202egnp.txt '))).toBe(true);
    expect(rows.some((r) => r.startsWith('caf\\xe9.txt '))).toBe(true);
  });
});
