// The extractor registry: one array, one entry per format family, looked up by document type.
import type { DocType } from '../types';
import { csv } from './csv';
import { docx } from './docx';
import { email, mbox } from './email';
import { epub } from './epub';
import { html } from './html';
import { json, jsonl } from './json';
import { pdf } from './pdf';
import { plainText, sourceCode } from './text';
import type { Extractor } from './types';

export const EXTRACTORS: readonly Extractor[] = [plainText, sourceCode, html, pdf, docx, epub, json, jsonl, csv, email, mbox];

export function extractorFor(type: DocType): Extractor {
  const found = EXTRACTORS.find((e) => e.types.includes(type));
  if (!found) throw new Error(`No extractor registered for document type "${type}"`);
  return found;
}

export { ExtractSkip, type ExtractSource, type Extractor } from './types';
