// A request's JSON body, read up to a size limit: the one way both of `grove serve`'s APIs (Grove's own and the
// OpenAI-compatible one) read what a client sent. An empty body is an empty object.
import type { IncomingMessage } from 'node:http';
import { GroveError } from '../shared/api/errors';

export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new GroveError('bad_input', `Request body larger than ${limit} bytes.`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new GroveError('bad_input', 'Request body is not valid JSON.');
  }
}
