// Pathological HTML (100,000 nested <div>, 20,000 unclosed <span>) keeps its text through the tag-stripping
// fallback, with a note; ordinary pages still go through Readability untouched. None of this may take long.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ByteTokenizer } from '../../../../src/engine/corpus/byte-tokenizer';
import { htmlToText, MAX_HTML_DEPTH } from '../../../../src/engine/corpus/extract/html';
import { markupShape, stripTags } from '../../../../src/engine/corpus/extract/html-scan';
import { ingestFolder } from '../../../../src/engine/corpus/ingest';
import type { IngestReport } from '../../../../src/engine/corpus/types';
import { prose, tempDir } from '../fixtures';

const SENTENCE = 'The quick brown fox jumps over the lazy dog near the river bank.';
const nested = `<html><body>${'<div>'.repeat(100_000)}${SENTENCE}${'</div>'.repeat(100_000)}</body></html>`;
const unclosed = `<html><body>${Array.from({ length: 20_000 }, (_, i) => `<span>word${i} `).join('')}</body></html>`;
const article = `<!doctype html><html><head><title>Page Title</title><script>var hidden = 1;</script></head><body><nav>Home | About</nav><article><h1>Page Title</h1><p>${prose(150, 1)}</p><p>${prose(100, 2)} &amp; more</p></article><footer>Footer text</footer></body></html>`;

async function read(html: string, articleMode = true): Promise<{ text: string; notes: string[] }> {
  const notes: string[] = [];
  return { text: await htmlToText(html, articleMode, (n) => notes.push(n)), notes };
}

describe('markupShape', () => {
  it('measures nesting as a parser builds it', () => {
    expect(markupShape(nested).depth).toBe(100_000);
    expect(markupShape(unclosed).depth).toBe(20_000);
    // Optional end tags, void elements and SVG's "/>" add no depth; "<div/>" in HTML does.
    expect(
      markupShape(`<body>${'<p>para '.repeat(5000)}${'<br><img src=x>'.repeat(100)}<svg>${'<path/>'.repeat(1000)}</svg></body>`).depth,
    ).toBeLessThan(5);
    expect(markupShape('<div/><div/><div/>').depth).toBe(3);
    // A stray end tag closes nothing; one that matches closes what is inside it.
    expect(markupShape('<b><i><u>x</b></span>').depth).toBe(3);
    expect(markupShape('<b><i><u>x</b><div>y</div>').depth).toBe(3);
  });

  it('does not read markup inside scripts or comments', () => {
    expect(markupShape(`<script>${'<div>'.repeat(10_000)}</script><!-- ${'<div>'.repeat(10_000)} --><p>x`).depth).toBe(1);
  });
});

describe('htmlToText on pathological markup', () => {
  it('keeps the text of 100,000 nested <div> and says how it was read', async () => {
    const { text, notes } = await read(nested);
    expect(text.trim()).toBe(SENTENCE);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/stripping the tags, because its markup nests 100,000 elements deep \(over 512\)/);
  });

  it('keeps every word of 20,000 unclosed <span>', async () => {
    const { text, notes } = await read(unclosed);
    expect(text).toContain('word0 word1 word2');
    expect(text).toContain('word19999');
    expect(text.split(/\s+/).filter(Boolean)).toHaveLength(20_000);
    expect(notes[0]).toMatch(/nests 20,000 elements deep/);
  });

  it('strips as a reader sees: block breaks, no scripts or styles, entities decoded', async () => {
    const html = `<div><title>T</title><h1>Head</h1><style>.x{}</style><script>if (a < b) {}</script><p>One &amp; two&nbsp;&eacute;</p>a<br>b<span>c</span>${'<i>'.repeat(MAX_HTML_DEPTH + 1)}deep</div>`;
    expect(await stripTags(html)).toBe('\n\nT\n\nHead\n\nOne & two\u00a0é\na\nbcdeep\n');
    const { text, notes } = await read(html);
    expect(text).toContain('One & two');
    expect(notes).toHaveLength(1);
  });

  it('reads a page with more elements than article detection can search as a whole page, with a note', async () => {
    const { text, notes } = await read(
      `<html><body><nav>Menu</nav>${Array.from({ length: 60_000 }, (_, i) => `<p>line${i}</p>`).join('')}</body></html>`,
    );
    expect(notes).toEqual([expect.stringMatching(/Read as a whole page, because it has 60,00\d elements \(over 30,000\)/)]);
    expect(text).toMatch(/line0\n+line1\n+line2\n/);
    expect(text).toContain('line59999');
    expect(text).not.toContain('Menu'); // navigation is still dropped
  });

  it('leaves ordinary pages to Readability, with no note', async () => {
    const { text, notes } = await read(article);
    expect(notes).toEqual([]);
    expect(text.startsWith('Page Title')).toBe(true);
    expect(text).toContain('& more');
    expect(text).not.toContain('Home | About');
    expect(text).not.toContain('hidden');
  });
});

describe('ingesting pathological HTML', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  let report: IngestReport;
  beforeAll(async () => {
    ({ dir: root, cleanup } = await tempDir());
    const folder = join(root, 'web');
    await mkdir(folder);
    await writeFile(join(folder, 'nested.html'), nested);
    await writeFile(join(folder, 'unclosed.html'), unclosed);
    await writeFile(join(folder, 'article.html'), article);
    const deepMail = `${'<div>'.repeat(2000)}${prose(60, 9)}${'</div>'.repeat(2000)}`;
    await writeFile(
      join(folder, 'deep.eml'),
      [
        'From: a@example.org',
        'To: b@example.org',
        'Subject: Deep mail',
        'MIME-Version: 1.0',
        'Content-Type: text/html; charset=utf-8',
        '',
        deepMail,
        '',
      ].join('\r\n'),
    );
    report = await ingestFolder({ folder, out: join(root, 'out'), tokenizer: new ByteTokenizer(), settings: { minTrainTokens: 0 } });
  });
  afterAll(() => cleanup());

  it('accepts each page, with the fallback noted in the report beside the file', async () => {
    const byPath = new Map(report.files.map((f) => [f.path, f]));
    expect(byPath.get('nested.html')).toMatchObject({ status: 'accepted', notes: [expect.stringMatching(/stripping the tags/)] });
    expect(byPath.get('unclosed.html')).toMatchObject({ status: 'accepted', notes: [expect.stringMatching(/stripping the tags/)] });
    expect(byPath.get('article.html')).toMatchObject({ status: 'accepted' });
    expect(byPath.get('deep.eml')).toMatchObject({
      status: 'accepted',
      type: 'email',
      notes: [expect.stringMatching(/nests 2,000 elements deep/)],
    });
    expect(byPath.get('article.html')).not.toHaveProperty('notes');
    const saved = JSON.parse(await readFile(join(root, 'out', 'report.json'), 'utf8')) as IngestReport;
    expect(saved.files.find((f) => f.path === 'nested.html')).toHaveProperty('notes');
  });
});
