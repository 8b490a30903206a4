// EPUB: the chapters in reading order (the OPF spine), each read as HTML without Readability, since a chapter is all content.
// Every part is inflated under the file's expansion budget (zip.ts), so a bomb is refused before it fills memory.
import { posix } from 'node:path';
import { decodeHtml, htmlToText, parseXml, type DomDocument } from './html';
import { ExtractSkip, type Extractor } from './types';
import { ZipArchive } from './zip';

export const epub: Extractor = {
  types: ['epub'],
  style: 'prose',
  whole: true,
  async *extract(source) {
    const archive = new ZipArchive(await source.bytes(), source.maxExpandedBytes);
    const order = await readingOrder(archive);
    if (order.length === 0) throw new ExtractSkip('corrupt', 'The EPUB has no chapters (no XHTML in its spine); re-export it.');
    // All chapters are checked against the budget by their declared sizes before the first is inflated.
    const files = archive.read(order);
    for (const name of order) {
      const chapter = files.get(name);
      files.delete(name);
      if (chapter) yield `${await htmlToText(decodeHtml(chapter), false, (note) => source.note(`${name}: ${note}`))}\n\n`;
    }
  },
};

/** Chapter paths in spine order; without a readable package document, every (X)HTML entry in name order. */
async function readingOrder(archive: ZipArchive): Promise<string[]> {
  const names = archive.names;
  const fallback = names.filter((n) => /\.x?html?$/i.test(n)).sort();
  const xml = async (name: string): Promise<DomDocument | undefined> => {
    const data = archive.readOne(name);
    return data ? parseXml(new TextDecoder().decode(data)) : undefined;
  };
  const container = await xml('META-INF/container.xml');
  const opfPath = container?.querySelector('rootfile')?.getAttribute('full-path');
  if (!opfPath || !names.includes(opfPath)) return fallback;
  const opf = await xml(opfPath);
  if (!opf) return fallback;
  const base = posix.dirname(opfPath);
  const hrefs = new Map<string, string>();
  for (const item of Array.from(opf.querySelectorAll('item'))) {
    const id = item.getAttribute('id');
    const href = item.getAttribute('href');
    if (id && href) hrefs.set(id, posix.normalize(posix.join(base, decodeURIComponent(href))));
  }
  const spine = Array.from(opf.querySelectorAll('itemref'))
    .map((r) => hrefs.get(r.getAttribute('idref') ?? ''))
    .filter((p): p is string => !!p && names.includes(p));
  return spine.length > 0 ? spine : fallback;
}
