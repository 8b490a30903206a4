// Growing a discovered domain without reading its files again (issue 18: the folder is ingested once). Before
// the domain's own ingest runs on the folder of links to its members, its output folder is given the
// discovery ingest's records of those members and links to the shards holding their tokens: the ingest then
// finds every file unchanged (same size and mtime, or the same content hash), extracts none, and only assembles
// the domain's train/valid/test shards from those tokens. A domain already ingested is left as it is.
import { copyFile, link, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { GroveError } from '../../../shared/api/errors';
import { loadState, saveState } from '../state';

/** Gives `domainOut` the records of `members` from the ingest in `ingestDir` and the shards they point into. */
export async function seedDomainIngest(ingestDir: string, members: readonly string[], domainOut: string): Promise<void> {
  if (await loadState(domainOut)) return;
  const state = await loadState(ingestDir);
  if (!state)
    throw new GroveError('not_found', `The discovery's ingest in ${ingestDir} is gone: discover the folder's domains again.`, {
      ingestDir,
    });
  const files = Object.fromEntries(
    members.map((path) => {
      const record = state.files[path];
      if (!record?.doc)
        throw new GroveError('conflict', `"${path}" is no longer in the discovery's ingest: discover the folder's domains again.`, {
          path,
        });
      return [path, record] as const;
    }),
  );
  const shards = new Set(Object.values(files).flatMap((r) => r.doc!.pieces.map((p) => p.file)));
  await mkdir(join(domainOut, 'shards'), { recursive: true });
  for (const shard of shards) {
    const from = join(ingestDir, 'shards', shard);
    const to = join(domainOut, 'shards', shard);
    if (
      await stat(to).then(
        () => true,
        () => false,
      )
    )
      continue;
    await link(from, to).catch(() => copyFile(from, to));
  }
  await saveState(domainOut, {
    generation: state.generation,
    contentKey: state.contentKey,
    tokenizerKey: state.tokenizerKey,
    dtype: state.dtype,
    files,
  });
}
