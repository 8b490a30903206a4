// The DOM parser (linkedom) and Readability, loaded the first time a page is read. Like every format's parsing
// library (docx, pdf, email, csv: each extractor imports its own when it runs), they stay out of the processes
// that read no documents, the CLI's other commands, the server's start and the training and chat workers:
// the parsing libraries together took 335 ms to load (node importing them: 437 ms, a bare node 102 ms), half
// of every `grove` command's start. eslint.config.mjs refuses a static import of any of them.
import type { Readability } from '@mozilla/readability';
import type { parseHTML } from 'linkedom';

export interface DomLibraries {
  parseHTML: typeof parseHTML;
  Readability: typeof Readability;
}

let loading: Promise<DomLibraries> | undefined;

export function domLibraries(): Promise<DomLibraries> {
  loading ??= Promise.all([import('linkedom'), import('@mozilla/readability')]).then(([dom, readability]) => ({
    parseHTML: dom.parseHTML,
    Readability: readability.Readability,
  }));
  return loading;
}
