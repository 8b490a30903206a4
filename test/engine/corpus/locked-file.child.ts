// Child of read-errors.test.ts and ingest.test.ts (through test/helpers/file-modes.ts): reads a file the process
// may not read, as processFile alone (`process <file>`) or as part of a folder's ingest (`ingest <folder> <out>`),
// and prints the outcome as JSON.
import { statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ByteTokenizer } from '../../../src/engine/corpus/byte-tokenizer';
import { ingestFolder } from '../../../src/engine/corpus/ingest';
import { processFile } from '../../../src/engine/corpus/process-file';
import { resolveSettings } from '../../../src/engine/corpus/settings';
import { IncomingTokens } from '../../../src/engine/corpus/shards';

const [mode, path, out] = process.argv.slice(2);
const tokenizer = new ByteTokenizer();
if (mode === 'process' && path) {
  const incoming = await IncomingTokens.create(`${path}.incoming.tmp`, 'uint16', 257);
  const file = { kind: 'file' as const, path: basename(path), abs: path, size: statSync(path).size, mtimeMs: 0 };
  const outcome = await processFile(file, { settings: resolveSettings({}), tokenizer, incoming, onBytes: () => undefined });
  await incoming.close();
  console.log(JSON.stringify(outcome));
} else if (mode === 'ingest' && path && out) {
  const report = await ingestFolder({ folder: path, out: join(out, 'ingest'), tokenizer, settings: { minTrainTokens: 10 } });
  console.log(JSON.stringify(report.files));
} else {
  throw new Error(`usage: locked-file.child.ts process <file> | ingest <folder> <out>`);
}
