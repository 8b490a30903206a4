// The documents of an ingested folder as text, for discovery: each accepted file's pieces read back from the
// shards the ingest wrote (the ingest state says where) and decoded with the tokenizer that wrote them. So the
// folder is extracted once (PDF, DOCX, HTML... are not parsed again) and discovery sees the cleaned text that
// training will see.
import { join } from 'node:path';
import { GroveError } from '../../../shared/api/errors';
import { TokenReader } from '../shards';
import { loadState } from '../state';
import type { DiscoverDocument } from './discover';

export async function ingestedDocuments(out: string, decode: (ids: ArrayLike<number>) => string): Promise<DiscoverDocument[]> {
  const state = await loadState(out);
  if (!state)
    throw new GroveError('not_found', `No ingest state in ${out}: ingest the folder first (discovery reads the text the ingest kept).`, {
      out,
    });
  const reader = new TokenReader(state.dtype);
  const documents: DiscoverDocument[] = [];
  try {
    for (const path of Object.keys(state.files).sort()) {
      const doc = state.files[path]!.doc;
      if (!doc) continue;
      const parts: string[] = [];
      for (const piece of doc.pieces) {
        const ids: number[] = [];
        for await (const chunk of reader.range(join(out, 'shards', piece.file), piece.offset, piece.tokens)) ids.push(...chunk);
        parts.push(decode(ids));
      }
      documents.push({ path, text: parts.join('\n'), tokens: doc.pieces.reduce((sum, piece) => sum + piece.tokens, 0) });
    }
  } finally {
    await reader.close();
  }
  return documents;
}
