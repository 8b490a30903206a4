// The training tokens a discovered domain will have once grown (issue 18), before its ingest runs: its members'
// records in the discovery's ingest put through the same seeded split the domain's own ingest makes (split.ts,
// with the default ingest settings the domain's ingest uses), so the estimate shown for a cluster is the one
// the new-expert flow would show for the domain it becomes. Counts one end-of-sequence token after each run of
// training pieces, as the ingest writes them (every forest tokenizer has one).
import { GroveError } from '../../../shared/api/errors';
import { resolveSettings } from '../settings';
import { planSplit } from '../split';
import { loadState } from '../state';

export async function discoveredTrainTokens(ingestDir: string, members: readonly string[]): Promise<number> {
  const state = await loadState(ingestDir);
  if (!state)
    throw new GroveError('not_found', `The discovery's ingest in ${ingestDir} is gone: discover the folder's domains again.`, {
      ingestDir,
    });
  const docs = [...members].sort().map((path) => {
    const doc = state.files[path]?.doc;
    if (!doc)
      throw new GroveError('conflict', `"${path}" is no longer in the discovery's ingest: discover the folder's domains again.`, { path });
    return { path, pieces: doc.pieces };
  });
  const plan = planSplit(
    docs.map((d) => ({ path: d.path, tokens: d.pieces.reduce((a, p) => a + p.tokens, 0), pieces: d.pieces.length })),
    resolveSettings(),
  );
  let tokens = 0;
  for (const d of docs) {
    const where = plan.pieces.get(d.path)!;
    let inRun = false;
    d.pieces.forEach((piece, i) => {
      if (where[i] === 'train') {
        tokens += piece.tokens;
        inRun = true;
      } else if (inRun) {
        tokens++;
        inRun = false;
      }
    });
    if (inRun) tokens++;
  }
  return tokens;
}
