// The sha256 of a file, streamed (a multi-GB weights file never sits in memory): what the store, the
// checkpoints and the ingester check files against.
import { createHash } from 'node:crypto';
import { createReadStream, type PathLike } from 'node:fs';

/** Hex sha256 of the file's bytes, read 4 MiB at a time. */
export async function sha256File(path: PathLike): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
