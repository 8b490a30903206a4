// The data that folder ingestion produces and consumes: outcomes per file, the report, progress events, the tokenizer contract.

/** All a tokenizer needs to be for sharding; any tokenizer (BPE, byte-level, ...) plugs in. */
export interface CorpusTokenizer {
  encode(text: string): ArrayLike<number>;
  vocabSize: number;
  eosId?: number;
}

/** Why a file did not become training text. Stable strings: the catalog and the UI key on them. */
export type SkipReason =
  | 'ignored by rule'
  | 'binary'
  | 'empty'
  | 'unreadable'
  | 'too large'
  | 'duplicate'
  | 'near-duplicate'
  | 'no text layer'
  | 'corrupt'
  | 'symlink loop'
  | 'outside folder';

export const SKIP_REASONS: readonly SkipReason[] = [
  'ignored by rule',
  'binary',
  'empty',
  'unreadable',
  'too large',
  'duplicate',
  'near-duplicate',
  'no text layer',
  'corrupt',
  'symlink loop',
  'outside folder',
];

/** What a file was recognised as, by content first and extension second. */
export type DocType =
  'text' | 'markdown' | 'rst' | 'html' | 'pdf' | 'docx' | 'epub' | 'code' | 'json' | 'jsonl' | 'csv' | 'tsv' | 'email' | 'mbox';

export type Split = 'train' | 'valid' | 'test';
export const SPLITS: readonly Split[] = ['train', 'valid', 'test'];

export interface AcceptedFile {
  path: string; // relative to the dropped folder, '/'-separated
  status: 'accepted';
  type: DocType;
  language?: string; // source code only
  encoding?: string; // text formats only
  notes?: string[]; // what a person should know about how it was read: a fallback (markup too deep for the HTML parser), text the cleanup removed
  bytes: number; // size on disk
  textBytes: number; // UTF-8 bytes of the normalised text
  tokens: number;
  splits: Split[]; // where its text went (one split, or several when a big document was cut in pieces)
}

export interface SkippedFile {
  path: string;
  status: 'skipped';
  reason: SkipReason;
  detail: string; // one sentence a person can act on
  bytes: number;
  type?: DocType;
  duplicateOf?: string; // for 'duplicate' and 'near-duplicate'
  similarity?: number; // estimated Jaccard similarity, for 'near-duplicate'
}

export type FileOutcome = AcceptedFile | SkippedFile;

export interface SplitStats {
  documents: number;
  pieces: number;
  textBytes: number;
  tokens: number;
  shards: number;
}

export interface IngestReport {
  folder: string;
  out: string;
  files: FileOutcome[]; // sorted by path
  totals: {
    files: number;
    accepted: number;
    skipped: number;
    bytes: number; // on disk, all files seen
    textBytes: number;
    tokens: number;
    skippedBy: Partial<Record<SkipReason, number>>;
  };
  splits: Record<Split, SplitStats>;
  splitBy: 'document' | 'piece';
  /** Incremental bookkeeping: what this run actually had to read. */
  processed: { extracted: number; reused: number; removed: number };
  trainable: boolean;
  message: string; // why the folder cannot be trained on yet, or a one-line summary
  manifest: string; // path of manifest.json
  seconds: number;
}

export interface IngestProgress {
  phase: 'walk' | 'extract' | 'shard' | 'done';
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
  filesPerSecond: number;
  megabytesPerSecond: number;
  etaSeconds: number | null; // null until a rate is known
  current?: string;
}

export type ProgressListener = (progress: IngestProgress) => void;

/** Adapts a full tokenizer (src/engine/tokenize) to what sharding needs: documents end with its EOS token. */
export function corpusTokenizer(t: {
  encode(text: string): ArrayLike<number>;
  vocabSize: number;
  special: { eos?: { id: number } };
}): CorpusTokenizer {
  return { encode: (text) => t.encode(text), vocabSize: t.vocabSize, ...(t.special.eos ? { eosId: t.special.eos.id } : {}) };
}
