// End to end: a generated folder with every format and every skip reason, shards read back, the manifest, incremental re-ingest.
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ByteTokenizer } from '../../../src/engine/corpus/byte-tokenizer';
import { ingestFolder } from '../../../src/engine/corpus/ingest';
import { formatReport } from '../../../src/engine/corpus/report';
import type { AcceptedFile, FileOutcome, IngestProgress, IngestReport, SkippedFile } from '../../../src/engine/corpus/types';
import { runBoundByFileModes } from '../../helpers/file-modes';
import { makeDocx, makeEml, makeEpub, makeImageOnlyPdf, makePdf, makePng, prose, tempDir } from './fixtures';

const tokenizer = new ByteTokenizer();
let root: string;
let cleanup: () => Promise<void>;
let folder: string;
let out: string;
let report: IngestReport;
const events: IngestProgress[] = [];
let fifo = false;

const settings = { maxFileBytes: 1_000_000, maxWholeFileBytes: 300_000, minTrainTokens: 1000, minDocumentsToSplitByDocument: 5 };

async function put(rel: string, data: string | Uint8Array): Promise<void> {
  const p = join(folder, rel);
  await mkdir(join(p, '..'), { recursive: true });
  await writeFile(p, data);
}

function file(path: string): FileOutcome {
  const f = report.files.find((x) => x.path === path);
  if (!f) throw new Error(`no outcome for ${JSON.stringify(path)}; have ${report.files.map((x) => JSON.stringify(x.path)).join(', ')}`);
  return f;
}
const accepted = (path: string): AcceptedFile => {
  const f = file(path);
  expect(f, `${path}: ${JSON.stringify(f)}`).toMatchObject({ status: 'accepted' });
  return f as AcceptedFile;
};
const skipped = (path: string, reason: string): SkippedFile => {
  const f = file(path);
  expect(f, `${path}: ${JSON.stringify(f)}`).toMatchObject({ status: 'skipped', reason });
  return f as SkippedFile;
};

/** All text that went into the shards, decoded back (byte tokenizer: ids are UTF-8 bytes, 256 is EOS). */
async function shardText(): Promise<string> {
  const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
  let text = '';
  for (const split of ['train', 'valid', 'test']) {
    for (const s of manifest.splits[split].files) {
      const bytes = await readFile(join(out, s.file));
      const ids = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
      expect(ids.length).toBe(s.tokens);
      text += tokenizer.decode(ids.map((id) => (id === 256 ? 10 : id)));
    }
  }
  return text;
}

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir());
  folder = join(root, 'dropped');
  out = join(root, 'out');
  await mkdir(folder);
  const essay = prose(400, 1);
  await put('notes/essay.txt', essay);
  await put('notes/essay_copy.txt', essay); // exact duplicate under another name
  await put('notes/essay_edited.txt', essay.replace('river', 'rivers').replace(/garden/, 'gardens')); // near-duplicate
  await put('notes/readme.md', `# Title\n\n${prose(200, 2)}\n\n- item one\n- item two\n`);
  await put('notes/guide.rst', `Guide\n=====\n\n${prose(150, 3)}\n`);
  await put(
    'web/page.html',
    `<!doctype html><html><head><title>Page Title</title><style>.x{color:red}</style><script>var secret = 1;</script></head><body><nav>Home | About | Contact</nav><article><h1>Page Title</h1><p>${prose(150, 4)}</p><p>${prose(100, 5)}</p></article><footer>Copyright footer text</footer></body></html>`,
  );
  await put(
    'papers/paper.pdf',
    await makePdf([
      prose(60, 6)
        .replace(/\n+/g, ' ')
        .match(/.{1,80}(\s|$)/g)!
        .join('\n'),
      'Second page text here.',
    ]),
  );
  await put('papers/scan.pdf', await makeImageOnlyPdf());
  const good = await makePdf(['This PDF will be cut short.']);
  await put('papers/truncated.pdf', good.slice(0, Math.floor(good.length / 3)));
  await put('papers/report.docx', makeDocx(['Quarterly report heading', prose(120, 7)]));
  await put('papers/fake.docx', makeDocxLike());
  await put(
    'books/book.epub',
    makeEpub(
      [
        { file: 'a.xhtml', title: 'Chapter Two', text: prose(100, 8) },
        { file: 'b.xhtml', title: 'Chapter One', text: prose(100, 9) },
      ],
      ['b.xhtml', 'a.xhtml'],
    ),
  );
  await put('code/main.py', 'def f(x):\n    if x:\n        return x * 2\n    return 0\n\n\nclass A:\n    pass\n');
  await put(
    'data/records.json',
    JSON.stringify({
      id: 17,
      items: [
        { title: 'x1', body: prose(80, 10) },
        { url: 'https://example.org/a b c', n: 3 },
      ],
    }),
  );
  await put('data/lines.jsonl', `${JSON.stringify({ text: prose(50, 11) })}\n${JSON.stringify({ text: prose(50, 12), id: 'abc' })}\n`);
  await put('data/broken.json', '{"text": "unterminated');
  await put('data/table.csv', `id,comment,score\n1,"${prose(20, 13)}",4.5\n2,"${prose(20, 14)}",3\n`);
  await put('data/table.tsv', `id\tnote\n1\t${prose(20, 15)}\n2\t${prose(20, 16)}\n`);
  await put('data/numbers.csv', 'a,b,c\n1,2,3\n4,5,6\n');
  await put('mail/hello.eml', makeEml('Project update', `Hi Bob,\n\n${prose(80, 17)}\n\nAlice`));
  await put(
    'mail/archive.mbox',
    `From alice@example.org Mon Jan  1 10:00:00 2024\n${makeEml('First', prose(60, 18)).replace(/\r\n/g, '\n')}\nFrom bob@example.com Tue Jan  2 10:00:00 2024\n${makeEml('Second', `>From the start, ${prose(60, 19)}`).replace(/\r\n/g, '\n')}`,
  );
  await put('enc/utf16.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`UTF-16 text: ${prose(60, 20)} naïve`, 'utf16le')]));
  await put('enc/latin1.txt', Buffer.from(`Latin-1 text: caf\u00e9 cr\u00e8me br\u00fbl\u00e9e. ${prose(60, 21)}`, 'latin1'));
  await put(
    'misleading/binary.txt',
    Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, ...Array.from({ length: 200 }, (_, i) => i & 0xff)]),
  );
  await put('misleading/really-text.pdf', `Just notes in a file with the wrong name. ${prose(40, 22)}`);
  await put('misleading/really-pdf.txt', await makePdf(['A PDF hiding behind a txt name.']));
  await put('misleading/photo.png', makePng(4, 4));
  await put('empty.txt', '');
  await put('blank.txt', '   \n\t\n   \n');
  await put('big.txt', prose(200_000, 23).slice(0, 1_100_000)); // over maxFileBytes
  await put('web/huge.html', `<html><body>${'<p>x y z</p>'.repeat(30_000)}</body></html>`); // over maxWholeFileBytes
  await put('a/b/c/d/e/f/g/h/i/j/deep.md', `Deep ${prose(50, 24)}`);
  await put('café 東京.txt', `Unicode name. ${prose(50, 25)}`);
  await put('new\nline.txt', `Newline name. ${prose(50, 26)}`);
  await put('node_modules/lib/index.js', 'module.exports = 1;\n');
  await put('.git/HEAD', 'ref: refs/heads/main\n');
  await put('.env', 'SECRET=1\n');
  await put('drafts/wip.txt', prose(30, 27));
  await put('build/keep.md', `Kept build notes. ${prose(40, 28)}`);
  await put('.groveignore', 'drafts/\n!build/\n');
  await put('sub/.groveignore', '*.log\n');
  await put('sub/debug.log', 'log line\n');
  await put('sub/kept.txt', `Sub kept. ${prose(40, 29)}`);
  await symlink('.', join(folder, 'sub', 'loop'));
  await symlink('missing-target.txt', join(folder, 'dangling.txt'));
  await writeFile(join(root, 'outside.txt'), 'outside text that must not be read');
  await symlink(join(root, 'outside.txt'), join(folder, 'outside-link.txt'));
  await symlink('notes', join(folder, 'notes-link'));
  try {
    execFileSync('mkfifo', [join(folder, 'pipe')]);
    fifo = true;
  } catch {
    fifo = false; // no mkfifo on this platform
  }
  report = await ingestFolder({ folder, out, tokenizer, settings, onProgress: (p) => events.push(p) });
});

/** A zip that claims to be .docx but has no word/document.xml. */
function makeDocxLike(): Uint8Array {
  const real = makeDocx(['x']);
  // Same container, the main part renamed: still a zip, no longer a Word document.
  const s = Buffer.from(real).toString('latin1').replaceAll('word/document.xml', 'word/documenX.xml');
  return Buffer.from(s, 'latin1');
}

afterAll(async () => {
  await cleanup();
});

describe('ingestFolder on a folder with every format', () => {
  it('accepts every readable format with its type', () => {
    expect(accepted('notes/essay.txt').type).toBe('text');
    expect(accepted('notes/readme.md').type).toBe('markdown');
    expect(accepted('notes/guide.rst').type).toBe('rst');
    expect(accepted('web/page.html').type).toBe('html');
    expect(accepted('papers/paper.pdf').type).toBe('pdf');
    expect(accepted('papers/report.docx').type).toBe('docx');
    expect(accepted('books/book.epub').type).toBe('epub');
    expect(accepted('code/main.py')).toMatchObject({ type: 'code', language: 'python' });
    expect(accepted('data/records.json').type).toBe('json');
    expect(accepted('data/lines.jsonl').type).toBe('jsonl');
    expect(accepted('data/table.csv').type).toBe('csv');
    expect(accepted('data/table.tsv').type).toBe('tsv');
    expect(accepted('mail/hello.eml').type).toBe('email');
    expect(accepted('mail/archive.mbox').type).toBe('mbox');
    expect(accepted('enc/utf16.txt').encoding).toBe('utf-16le');
    expect(accepted('enc/latin1.txt').encoding).toBe('windows-1252');
    expect(accepted('misleading/really-text.pdf').type).toBe('text');
    expect(accepted('misleading/really-pdf.txt').type).toBe('pdf');
    expect(accepted('a/b/c/d/e/f/g/h/i/j/deep.md').type).toBe('markdown');
    accepted('café 東京.txt');
    accepted('new\nline.txt');
    accepted('build/keep.md'); // re-included by !build/ in .groveignore
    accepted('sub/kept.txt');
    for (const f of report.files) if (f.status === 'accepted') expect(f.tokens, f.path).toBeGreaterThan(0);
  });

  it('skips every other file with the right reason', () => {
    expect(skipped('notes/essay_copy.txt', 'duplicate').duplicateOf).toBe('notes/essay.txt');
    const near = skipped('notes/essay_edited.txt', 'near-duplicate');
    expect(near.duplicateOf).toBe('notes/essay.txt');
    expect(near.similarity).toBeGreaterThanOrEqual(0.8);
    expect(skipped('papers/scan.pdf', 'no text layer').detail).toMatch(/OCR/);
    skipped('papers/truncated.pdf', 'corrupt');
    skipped('papers/fake.docx', 'corrupt');
    skipped('data/broken.json', 'corrupt');
    expect(skipped('data/numbers.csv', 'empty').detail).toMatch(/no column of free text/);
    skipped('misleading/binary.txt', 'binary');
    expect(skipped('misleading/photo.png', 'binary').detail).toMatch(/PNG/);
    expect(skipped('empty.txt', 'empty').detail).toMatch(/0 bytes/);
    skipped('blank.txt', 'empty');
    expect(skipped('big.txt', 'too large').detail).toMatch(/maxFileBytes/);
    expect(skipped('web/huge.html', 'too large').detail).toMatch(/maxWholeFileBytes/);
    expect(skipped('node_modules/', 'ignored by rule').detail).toMatch(/node_modules/);
    skipped('.git/', 'ignored by rule');
    skipped('.env', 'ignored by rule');
    expect(skipped('drafts/', 'ignored by rule').detail).toMatch(/drafts/);
    expect(skipped('sub/debug.log', 'ignored by rule').detail).toMatch(/\*\.log/);
    skipped('sub/loop/', 'symlink loop');
    expect(skipped('dangling.txt', 'unreadable').detail).toMatch(/[Bb]roken/);
    skipped('outside-link.txt', 'outside folder');
    expect(skipped('notes-link/', 'duplicate').duplicateOf).toBe('notes');
    if (fifo) expect(skipped('pipe', 'unreadable').detail).toMatch(/pipe/);
    expect(report.totals.skippedBy.duplicate).toBeGreaterThanOrEqual(2);
  });

  it('extracts the main text: no scripts, styles or navigation; reading order kept; headers trimmed', async () => {
    const text = await shardText();
    expect(text).toContain('Page Title');
    expect(text).not.toContain('secret');
    expect(text).not.toContain('color:red');
    expect(text).not.toContain('Home | About');
    expect(text).not.toContain('outside text');
    expect(text).toContain('Second page text here.');
    expect(text).toContain('Quarterly report heading');
    expect(text.indexOf('Chapter One')).toBeLessThan(text.indexOf('Chapter Two'));
    expect(text).toContain('    if x:\n        return x * 2');
    expect(text).toContain('Project update');
    expect(text).not.toContain('alice@example.org');
    expect(text).not.toContain('Message-ID');
    expect(text).toContain('From the start');
    expect(text).toContain('café crème brûlée');
    expect(text).toContain('naïve');
    expect(text).not.toContain('https://example.org');
    expect(text).not.toContain('4.5');
    expect(text).toContain('Kept build notes');
  });

  it('writes uint16 shards, a manifest, and split statistics that add up', async () => {
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ dtype: 'uint16', vocabSize: 257, eosId: 256, splitBy: report.splitBy });
    const acceptedFiles = report.files.filter((f): f is AcceptedFile => f.status === 'accepted');
    const docs = report.splits.train.documents + report.splits.valid.documents + report.splits.test.documents;
    expect(docs).toBeGreaterThanOrEqual(acceptedFiles.length);
    const tokens = report.splits.train.tokens + report.splits.valid.tokens + report.splits.test.tokens;
    // Every accepted token is in a shard, plus one EOS per document run.
    expect(tokens - acceptedFiles.reduce((a, f) => a + f.tokens, 0)).toBe(docs);
    expect(report.splits.valid.tokens).toBeGreaterThan(0);
    expect(report.splits.test.tokens).toBeGreaterThan(0);
    expect(report.trainable).toBe(true);
    expect(JSON.parse(await readFile(join(out, 'report.json'), 'utf8')).totals).toEqual(report.totals);
  });

  it('prints a table with one line per file', async () => {
    const table = formatReport(report);
    expect(table.split('\n').length).toBe(report.files.length + 2 + 4);
    expect(table).toContain('new\\nline.txt');
    expect(table).toMatch(/notes\/essay_copy\.txt\s+skipped\s+duplicate/);
    expect(await readFile(join(out, 'report.txt'), 'utf8')).toBe(`${table}\n`);
  });

  it('reports progress from 0 to all files with rates', () => {
    const last = events.at(-1)!;
    expect(last.phase).toBe('done');
    expect(last.filesDone).toBe(last.filesTotal);
    expect(last.bytesDone).toBe(last.bytesTotal);
    expect(last.filesPerSecond).toBeGreaterThan(0);
    expect(events.some((e) => e.phase === 'extract')).toBe(true);
    for (let i = 1; i < events.length; i++) expect(events[i]!.filesDone).toBeGreaterThanOrEqual(events[i - 1]!.filesDone);
  });

  it('re-ingests only what changed and drops what was deleted', async () => {
    const again = await ingestFolder({ folder, out, tokenizer, settings });
    expect(again.processed.extracted).toBe(0);
    expect(again.totals).toEqual(report.totals);
    await put('notes/readme.md', `# Title\n\n${prose(220, 30)}\n`); // changed
    await put('notes/new.txt', `A new note. ${prose(60, 31)}`); // added
    await rm(join(folder, 'notes/essay.txt')); // deleted: its exact duplicate now stands alone
    const third = await ingestFolder({ folder, out, tokenizer, settings });
    expect(third.processed.removed).toBe(1);
    // readme changed, new.txt added, and the two former duplicates of essay.txt are read again.
    expect(third.processed.extracted).toBe(4);
    expect(third.files.find((f) => f.path === 'notes/essay.txt')).toBeUndefined();
    expect(third.files.find((f) => f.path === 'notes/essay_copy.txt')).toMatchObject({ status: 'accepted' });
    expect(third.files.find((f) => f.path === 'notes/essay_edited.txt')).toMatchObject({
      status: 'skipped',
      reason: 'near-duplicate',
      duplicateOf: 'notes/essay_copy.txt',
    });
    report = third;
    const text = await shardText();
    expect(text).toContain('A new note.');
    expect(text).toContain('Quarterly report heading'); // reused from the previous shards
    const shards = (await import('node:fs/promises')).readdir(join(out, 'shards'));
    expect((await shards).every((n) => n.includes('-g0003-'))).toBe(true);
  });
});

// In a child bound by file modes: root (CI) would otherwise read the file whatever its mode.
describe('ingestFolder on a file it may not read', () => {
  it('skips it as unreadable with a sentence that says why, and ingests the rest', async () => {
    const locked = join(root, 'locked-folder');
    await mkdir(locked);
    await writeFile(join(locked, 'open.txt'), `Open text. ${prose(60, 41)}`);
    await writeFile(join(locked, 'locked.txt'), 'cannot read me');
    await chmod(join(locked, 'locked.txt'), 0o000);
    const files = runBoundByFileModes<FileOutcome[]>(join(import.meta.dirname, 'locked-file.child.ts'), ['ingest', locked, root]);
    expect(files.find((f) => f.path === 'open.txt')).toMatchObject({ status: 'accepted' });
    expect(files.find((f) => f.path === 'locked.txt')).toMatchObject({
      status: 'skipped',
      reason: 'unreadable',
      detail: expect.stringMatching(/not allowed to read it/),
    });
  });
});
