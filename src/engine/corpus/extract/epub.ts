// EPUB: the chapters in reading order (the OPF spine), each read as HTML without Readability, since a chapter is all content.
import { posix } from 'node:path';
import { decodeHtml, htmlToText, parseXml, type DomDocument } from './html';
import { ExtractSkip, type Extractor } from './types';
import { zipEntries, zipNames } from './zip';

export const epub: Extractor = {
  types: ['epub'],
  style: 'prose',
  whole: true,
  async *extract(source) {
    const bytes = await source.bytes();
    const names = zipNames(bytes);
    const order = readingOrder(bytes, names);
    if (order.length === 0) throw new ExtractSkip('corrupt', 'The EPUB has no chapters (no XHTML in its spine); re-export it.');
    const wanted = new Set(order);
    const files = zipEntries(bytes, (name) => wanted.has(name));
    for (const name of order) {
      const chapter = files[name];
      if (chapter) yield `${htmlToText(decodeHtml(chapter), false, (note) => source.note(`${name}: ${note}`))}\n\n`;
    }
  },
};

/** Chapter paths in spine order; without a readable package document, every (X)HTML entry in name order. */
function readingOrder(bytes: Uint8Array, names: string[]): string[] {
  const fallback = names.filter((n) => /\.x?html?$/i.test(n)).sort();
  const xml = (name: string): DomDocument | undefined => {
    const data = zipEntries(bytes, (n) => n === name)[name];
    return data ? parseXml(new TextDecoder().decode(data)) : undefined;
  };
  const container = xml('META-INF/container.xml');
  const opfPath = container?.querySelector('rootfile')?.getAttribute('full-path');
  if (!opfPath || !names.includes(opfPath)) return fallback;
  const opf = xml(opfPath);
  if (!opf) return fallback;
  const base = posix.dirname(opfPath);
  const hrefs = new Map<string, string>();
  for (const item of Array.from(opf.querySelectorAll('item'))) {
    const id = item.getAttribute('id');
    const href = item.getAttribute('href');
    if (id && href) hrefs.set(id, posix.normalize(posix.join(base, decodeURIComponent(href))));
  }
  const spine = Array.from(opf.querySelectorAll('itemref')).map((r) => hrefs.get(r.getAttribute('idref') ?? '')).filter((p): p is string => !!p && names.includes(p));
  return spine.length > 0 ? spine : fallback;
}
