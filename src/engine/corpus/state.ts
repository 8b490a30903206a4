// The incremental-ingest state kept in the output folder: per file its size, mtime, content hash, outcome and where its tokens are.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { writeFileDurable } from '../durable-write';
import type { TokenDtype } from './shards';
import type { CorpusTokenizer, FileOutcome } from './types';

export const STATE_FILE = 'ingest-state.json';
const VERSION = 1;

export interface PieceRecord {
  tokens: number;
  bytes: number; // UTF-8 bytes of the piece's normalised text
  file: string; // a shard file name, or INCOMING while this run is assembling
  offset: number; // in tokens
}

export interface DocRecord {
  textHash: string; // sha256 of the normalised text
  signature: string; // MinHash, base64
  textBytes: number;
  pieces: PieceRecord[];
}

export interface FileRecord {
  size: number;
  mtimeMs: number;
  rawHash: string; // sha256 of the bytes on disk
  outcome: FileOutcome;
  doc?: DocRecord; // accepted files only
}

export interface IngestState {
  version: number;
  generation: number; // bumps every run; shard names carry it so old and new shards never collide
  contentKey: string;
  tokenizerKey: string;
  dtype: TokenDtype;
  files: Record<string, FileRecord>;
}

export async function loadState(out: string): Promise<IngestState | undefined> {
  try {
    const state = JSON.parse(await readFile(join(out, STATE_FILE), 'utf8')) as IngestState;
    return state.version === VERSION && state.files && typeof state.generation === 'number' ? state : undefined;
  } catch {
    return undefined; // none yet, or unreadable: start from scratch, which is always correct
  }
}

export async function saveState(out: string, state: Omit<IngestState, 'version'>): Promise<void> {
  await writeFileDurable(join(out, STATE_FILE), JSON.stringify({ version: VERSION, ...state }));
}

/** Identifies a tokenizer by what it does: its vocabulary size, EOS id and the ids it gives a fixed probe text. */
export function tokenizerKey(tokenizer: CorpusTokenizer): string {
  const probe = 'Grove probe: The quick brown fox, 12345 — naïve café 東京 \n\tdef f(x): return x**2';
  const ids = Array.from(tokenizer.encode(probe));
  return createHash('sha256')
    .update(JSON.stringify([tokenizer.vocabSize, tokenizer.eosId ?? null, ids]))
    .digest('hex')
    .slice(0, 32);
}
