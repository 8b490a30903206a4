// Ingestion settings as data: one schema with defaults, unknown keys refused, and the default ignore list (gitignore syntax).
import { z } from 'zod';
import { GroveError } from '../../shared/api/errors';

/**
 * What a dropped folder usually holds that is not text for training: version control, dependencies,
 * build outputs, caches, editor and OS junk, lock files, secrets. Hidden files are ignored as a whole
 * (`.*`) because dotfiles are configuration or credentials far more often than prose. A `.groveignore`
 * in the folder can re-include any of them with `!pattern`, exactly as in `.gitignore`.
 */
export const DEFAULT_IGNORE: readonly string[] = [
  // hidden files and folders: .git, .hg, .svn, .venv, .idea, .vscode, .DS_Store, .env ...
  '.*',
  // version control without a leading dot
  'CVS/',
  '_darcs/',
  // dependencies
  'node_modules/',
  'bower_components/',
  'jspm_packages/',
  'vendor/',
  'venv/',
  'site-packages/',
  '__pycache__/',
  // build outputs and caches
  'dist/',
  'build/',
  'out/',
  'target/',
  'bin/',
  'obj/',
  'coverage/',
  '*.egg-info/',
  '*.pyc',
  '*.pyo',
  '*.class',
  '*.o',
  '*.so',
  '*.dll',
  '*.exe',
  '*.min.js',
  '*.min.css',
  '*.map',
  // lock files: generated, huge, no language in them
  'package-lock.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'Cargo.lock',
  'poetry.lock',
  'Gemfile.lock',
  'composer.lock',
  // editor and OS junk
  '*~',
  '*.swp',
  '*.swo',
  'Thumbs.db',
  'desktop.ini',
  // secrets: never train on them
  '*.pem',
  '*.key',
  'id_rsa*',
  'id_ed25519*',
];

export const GROVEIGNORE = '.groveignore';

const settingsSchema = z
  .object({
    /** gitignore-syntax patterns applied at the root, before the folder's own .groveignore files. */
    ignore: z.array(z.string()).default([...DEFAULT_IGNORE]),
    /** Follow symbolic links whose target lies outside the dropped folder. */
    allowOutside: z.boolean().default(false),
    /** Largest file read at all; bigger ones are skipped as 'too large'. Text formats stream, so this can be large. */
    maxFileBytes: z
      .number()
      .int()
      .positive()
      .default(2 * 1024 ** 3),
    /** Largest PDF, .docx, EPUB, HTML, JSON or .eml file: these formats are parsed whole, in memory. */
    maxWholeFileBytes: z
      .number()
      .int()
      .positive()
      .default(128 * 1024 ** 2),
    /**
     * Most bytes the text parts of one .docx or EPUB may inflate to; more is skipped as a likely decompression bomb.
     * Small because parsing is costly: mammoth took 3.5 GB and 54 s for 32 MiB of dense document XML.
     */
    maxExpandedBytes: z
      .number()
      .int()
      .positive()
      .default(16 * 1024 ** 2),
    /** Most bytes they may inflate to per byte on disk, past the first 4 MiB (Apache POI refuses zips past 100x too). */
    maxExpansionRatio: z.number().positive().default(100),
    /** Text is tokenized in pieces of about this many characters, cut at a line end; the split can work per piece. */
    pieceChars: z
      .number()
      .int()
      .min(256)
      .default(16 * 1024),
    /** Near-duplicate threshold on the estimated Jaccard similarity of word 5-gram sets (MinHash, 128 bins). */
    nearDuplicateThreshold: z.number().min(0.5).max(1).default(0.8),
    /** Only the first this-many characters of a document enter its MinHash signature (bounded work on huge files). */
    nearDuplicateSampleChars: z
      .number()
      .int()
      .positive()
      .default(16 * 1024 ** 2),
    seed: z.number().int().default(1234),
    validFraction: z.number().min(0).max(0.5).default(0.05),
    testFraction: z.number().min(0).max(0.5).default(0.05),
    /** With fewer accepted documents than this, documents are split per piece so valid and test are not empty. */
    minDocumentsToSplitByDocument: z.number().int().min(3).default(20),
    /** Fewest training tokens for a folder to count as trainable. */
    minTrainTokens: z.number().int().nonnegative().default(20_000),
    /** Tokens per shard file before a new one starts. */
    shardTokens: z
      .number()
      .int()
      .positive()
      .default(64 * 1024 ** 2),
  })
  .strict();

export type IngestSettings = z.infer<typeof settingsSchema>;
export type IngestSettingsInput = z.input<typeof settingsSchema>;

/** Parses settings given as data; a wrong or unknown key is a clear error, never silently ignored. */
export function resolveSettings(input: IngestSettingsInput = {}): IngestSettings {
  const parsed = settingsSchema.safeParse(input);
  if (parsed.success) {
    const s = parsed.data;
    if (s.validFraction + s.testFraction >= 0.9) {
      throw new GroveError(
        'bad_input',
        `validFraction + testFraction is ${s.validFraction + s.testFraction}; leave at least 10% for training.`,
        {
          setting: 'validFraction',
        },
      );
    }
    return s;
  }
  const issue = parsed.error.issues[0];
  const where = issue?.path.join('.') || (issue && 'keys' in issue ? String((issue as { keys: string[] }).keys.join(', ')) : 'settings');
  throw new GroveError(
    'bad_input',
    `Ingest setting "${where}": ${issue?.message ?? 'invalid'}. Check the spelling and type against the documented settings.`,
    {
      setting: where,
    },
  );
}

/** The part of the settings that changes the text or tokens produced: if it changes, every file is processed again. */
export function contentSettingsKey(s: IngestSettings): string {
  return JSON.stringify([
    s.pieceChars,
    s.maxFileBytes,
    s.maxWholeFileBytes,
    s.maxExpandedBytes,
    s.maxExpansionRatio,
    s.nearDuplicateSampleChars,
  ]);
}
