// The 'ingest' job kind's payload, checked where it is written (the service) and where it is read (the worker):
// a folder becomes a domain's token shards. `then` is for the queue's owner only (the expert it queues once
// the domain is ingested); the worker ignores it.
import { z } from 'zod';
import { GroveError } from '../../shared/api/errors';
import { loadTokenizer } from '../tokenize/load';
import { ingestFolder } from './ingest';
import { corpusTokenizer, type IngestProgress, type IngestReport } from './types';

export const IngestJobPayload = z
  .object({
    folder: z.string().min(1),
    out: z.string().min(1),
    tokenizer: z.string().min(1),
    domain: z.string().optional(),
    then: z.unknown().optional(),
  })
  .strict();
export type IngestJobPayload = z.output<typeof IngestJobPayload>;

export async function runIngestJob(payload: unknown, signal: AbortSignal, onProgress: (p: IngestProgress) => void): Promise<IngestReport> {
  const r = IngestJobPayload.safeParse(payload);
  if (!r.success)
    throw new GroveError(
      'bad_input',
      `Bad ingest job payload: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const tokenizer = corpusTokenizer(await loadTokenizer(r.data.tokenizer));
  return ingestFolder({ folder: r.data.folder, out: r.data.out, tokenizer, signal, onProgress });
}
