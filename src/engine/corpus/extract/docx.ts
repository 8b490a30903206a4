// Word .docx: the document's raw text, paragraph by paragraph (mammoth).
import mammoth from 'mammoth';
import { ExtractSkip, corrupt, type Extractor } from './types';
import { zipNames } from './zip';

export const docx: Extractor = {
  types: ['docx'],
  style: 'prose',
  whole: true,
  async *extract(source) {
    const bytes = await source.bytes();
    if (!zipNames(bytes).includes('word/document.xml')) {
      throw new ExtractSkip('corrupt', 'A zip file without word/document.xml is not a Word document; re-save it from Word.');
    }
    let text: string;
    try {
      text = (await mammoth.extractRawText({ buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) })).value;
    } catch (err) {
      throw corrupt('a Word document', err);
    }
    yield text;
  },
};
