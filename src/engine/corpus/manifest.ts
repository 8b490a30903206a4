// Reading a domain's manifest.json (written by ingest.ts): the token shards of each split, for training
// (random windows) and evaluation (sequential windows).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import type { TokenDtype } from './shards';
import type { Split, SplitStats } from './types';

export interface ShardManifest {
  format: 'grove-token-shards';
  version: 1;
  dtype: TokenDtype;
  vocabSize: number;
  eosId: number | null;
  tokenizerKey: string;
  splits: Record<Split, SplitStats & { files: { file: string; tokens: number }[] }>;
}

export async function readManifest(domainDir: string): Promise<ShardManifest> {
  const path = join(domainDir, 'manifest.json');
  let m: ShardManifest;
  try {
    m = JSON.parse(await readFile(path, 'utf8')) as ShardManifest;
  } catch (err) {
    throw new GroveError(
      'not_found',
      `${path} is missing or unreadable (${err instanceof Error ? err.message : String(err)}): ingest the domain's folder first.`,
      { path },
    );
  }
  if (m.format !== 'grove-token-shards' || m.version !== 1)
    throw new GroveError(
      'unsupported',
      `${path} is not a Grove token-shard manifest (format ${JSON.stringify(m.format)} version ${m.version}).`,
    );
  return m;
}

/** The shard files of one split, with absolute paths, in the form TokenWindows and the evaluators take. */
export function splitShards(domainDir: string, m: ShardManifest, split: Split): { path: string; dtype: TokenDtype; tokens: number }[] {
  return m.splits[split].files.map((f) => ({ path: join(domainDir, f.file), dtype: m.dtype, tokens: f.tokens }));
}
