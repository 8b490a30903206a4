// Opening the files of a model folder someone handed Grove: only regular files (a FIFO would block the
// open forever, a folder fails later with a bare EISDIR), every failure a GroveError naming the file, and
// JSON files bounded in size and nesting (a deeply nested value overflows the stack of whatever walks it
// later: JSON.stringify on export, zod, a structured clone to a worker).
import { constants } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { GroveError } from '../../shared/api/errors';

/** Nesting deeper than this is no Hugging Face file: refused before anything recurses into it. */
export const MAX_JSON_DEPTH = 64;

const REASONS: Record<string, string> = {
  ENOENT: 'it does not exist',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ELOOP: 'it is a symbolic link that leads in a circle',
  ENAMETOOLONG: 'its name is too long',
  ENOTDIR: 'a part of its path is not a folder',
  EISDIR: 'it is a folder, not a file',
  EMFILE: 'too many files are open',
  EIO: 'the disk reported an I/O error',
};

/** A sentence for a file-system error on `path`, naming it; never the bare errno message. */
export function fileError(err: unknown, path: string, what: string): GroveError {
  if (err instanceof GroveError) return err;
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const reason = REASONS[code] ?? (code ? `${code}` : err instanceof Error ? err.message : String(err));
  return new GroveError(
    code === 'ENOENT' ? 'not_found' : 'bad_input',
    `${path}: cannot read the ${what} (${reason}). Check the model folder.`,
    { path, code },
  );
}

function kindOf(s: {
  isDirectory(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}): string {
  if (s.isDirectory()) return 'a folder';
  if (s.isFIFO()) return 'a named pipe (FIFO)';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/**
 * Opens a model file for reading. The open does not block (O_NONBLOCK: a FIFO with no writer would
 * otherwise hang it), and anything but a regular file is refused by name; symbolic links are followed
 * (the Hub cache's snapshots are links to blobs).
 */
export async function openModelFile(path: string, what: string): Promise<{ fh: FileHandle; size: number }> {
  let fh: FileHandle;
  try {
    fh = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw fileError(err, path, what);
  }
  try {
    const s = await fh.stat();
    if (!s.isFile())
      throw new GroveError('bad_input', `${path}: the ${what} is ${kindOf(s)}, not a regular file. Replace it with the real file.`, {
        path,
      });
    return { fh, size: s.size };
  } catch (err) {
    await fh.close().catch(() => undefined);
    throw fileError(err, path, what);
  }
}

/**
 * Refuses, by name, any of `names` in `folder` that exists but is not a regular file (after links): a FIFO
 * among the metadata files would hang whichever reader opens it first, a folder would fail with a bare EISDIR.
 * Absent files pass: whether a file is required is the caller's question.
 */
export async function checkRegularFiles(folder: string, names: readonly string[]): Promise<void> {
  for (const name of names) {
    const path = join(folder, name);
    const s = await stat(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw fileError(err, path, name);
    });
    if (s && !s.isFile())
      throw new GroveError('bad_input', `${path}: ${name} is ${kindOf(s)}, not a regular file. Replace it with the real file.`, { path });
  }
}

/** The deepest nesting of arrays and objects in a parsed JSON value, walked without recursion. */
export function jsonDepth(value: unknown, limit = Infinity): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    deepest = Math.max(deepest, depth);
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/** Reads a JSON file of a model folder: a regular file, at most `maxBytes`, UTF-8, nested at most MAX_JSON_DEPTH. */
export async function readModelJson(path: string, what: string, maxBytes: number): Promise<unknown> {
  const { fh, size } = await openModelFile(path, what);
  let text: string;
  try {
    if (size > maxBytes)
      throw new GroveError(
        'bad_input',
        `${path}: the ${what} has ${size} bytes, more than the ${maxBytes} such a file can need. Check that it is the right file.`,
        { path, size },
      );
    const bytes = new Uint8Array(size);
    let done = 0;
    while (done < size) {
      const { bytesRead } = await fh.read(bytes, done, size - done, done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, done));
  } catch (err) {
    if (err instanceof TypeError)
      throw new GroveError('bad_input', `${path}: the ${what} is not UTF-8 text. Fix or re-download the file.`, { path });
    throw fileError(err, path, what);
  } finally {
    await fh.close().catch(() => undefined);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new GroveError(
      'bad_input',
      `${path}: the ${what} is not valid JSON (${err instanceof Error ? err.message : String(err)}). Fix or re-download the file.`,
      { path },
    );
  }
  if (jsonDepth(json, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    throw new GroveError(
      'bad_input',
      `${path}: the ${what} nests values more than ${MAX_JSON_DEPTH} levels deep, which no model file needs. Fix or re-download the file.`,
      { path },
    );
  }
  return json;
}
