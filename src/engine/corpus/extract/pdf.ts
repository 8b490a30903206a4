// PDF: the text layer, page by page (unpdf's serverless PDF.js); a PDF without one (scanned pages) is skipped as 'no text layer'.
import { ExtractSkip, corrupt, type Extractor } from './types';

export const pdf: Extractor = {
  types: ['pdf'],
  style: 'prose',
  whole: true,
  async *extract(source) {
    // PDF.js takes ownership of (detaches) the buffer it is given: hand it a copy.
    const data = new Uint8Array(await source.bytes());
    const { extractText, getDocumentProxy } = await import('unpdf');
    let doc: Awaited<ReturnType<typeof getDocumentProxy>>;
    try {
      doc = await getDocumentProxy(data, { verbosity: 0, isEvalSupported: false, stopAtErrors: true });
    } catch (err) {
      if ((err as Error)?.name === 'PasswordException') {
        throw new ExtractSkip('unreadable', 'The PDF is password-protected; save an unprotected copy to include it.');
      }
      throw corrupt('PDF', err);
    }
    try {
      let pages: string[];
      try {
        pages = (await extractText(doc, { mergePages: false })).text;
      } catch (err) {
        throw corrupt('PDF', err);
      }
      if (!pages.some((p) => /\S/.test(p))) {
        throw new ExtractSkip(
          'no text layer',
          `None of its ${doc.numPages} page(s) has a text layer (scanned images?); run OCR on it to include it.`,
        );
      }
      for (const page of pages) yield `${page}\n\n`;
    } finally {
      await doc.destroy();
    }
  },
};
