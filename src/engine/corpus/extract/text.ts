// Plain text, Markdown, reStructuredText and source code: the decoded text as it is (markup is language too; code stays code).
import type { Extractor } from './types';

export const plainText: Extractor = {
  types: ['text', 'markdown', 'rst'],
  style: 'prose',
  whole: false,
  extract: (source) => source.text(),
};

export const sourceCode: Extractor = {
  types: ['code'],
  style: 'code',
  whole: false,
  extract: (source) => source.text(),
};
