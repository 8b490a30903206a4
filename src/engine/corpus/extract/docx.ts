// Word .docx: the document's raw text, paragraph by paragraph (mammoth). mammoth inflates a zip by itself, with no
// limit, so it is only ever given a copy rebuilt from parts already inflated under the file's budget (zip.ts).
import { zipSync } from 'fflate';
import { ExtractSkip, corrupt, type Extractor } from './types';
import { ZipArchive } from './zip';

/** The parts that hold text and its structure; media and embedded files (nested archives included) are never inflated. */
const TEXT_PART = /\.(xml|rels)$/i;

export const docx: Extractor = {
  types: ['docx'],
  style: 'prose',
  whole: true,
  async *extract(source) {
    const archive = new ZipArchive(await source.bytes(), source.maxExpandedBytes);
    if (!archive.names.includes('word/document.xml')) {
      throw new ExtractSkip('corrupt', 'A zip file without word/document.xml is not a Word document; re-save it from Word.');
    }
    const parts = archive.read(archive.names.filter((n) => TEXT_PART.test(n)));
    // Stored, not compressed: what mammoth's JSZip reads is exactly the bytes verified above.
    const verified = zipSync(Object.fromEntries(parts), { level: 0 });
    parts.clear();
    const { default: mammoth } = await import('mammoth');
    let text: string;
    try {
      text = (await mammoth.extractRawText({ buffer: Buffer.from(verified.buffer, verified.byteOffset, verified.byteLength) })).value;
    } catch (err) {
      throw corrupt('a Word document', err);
    }
    yield text;
  },
};
