// Writes safetensors files atomically and streaming: header, then tensor by tensor (chunk by chunk) to a
// temporary file in the same folder, fsync, rename; the sha256 is computed from the bytes as written.
import { createHash, randomBytes } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import { DTYPE_SIZES, f32ToBytes, WRITE_DTYPES, type WriteDtype } from './dtype';
import { elementCount } from './names';

/** Values of one tensor, or a producer of its values in row-major chunks (any sizes summing to the tensor). */
export type TensorData = Float32Array | (() => AsyncIterable<Float32Array> | Iterable<Float32Array>);

export interface TensorToWrite {
  name: string;
  shape: readonly number[];
  data: TensorData;
  /** Overrides the file-wide dtype for this tensor. */
  dtype?: WriteDtype;
}

export interface WriteOptions {
  /** Stored dtype of every tensor that does not set its own (default F32). */
  dtype?: WriteDtype;
  /** Written as the header's `__metadata__` (string to string). */
  metadata?: Readonly<Record<string, string>>;
}

export interface WrittenFile {
  path: string;
  /** Lower-case hex sha256 of the whole file. */
  sha256: string;
  bytes: number;
}

/** What the header needs of a tensor: its name, shape and dtype (not its values). */
type TensorEntry = Pick<TensorToWrite, 'name' | 'shape' | 'dtype'>;

/** Header JSON padded with spaces so the data section starts 8-byte aligned (as the reference writer does). */
function encodeHeader(tensors: readonly TensorEntry[], options: WriteOptions, where: string): Uint8Array {
  const header: Record<string, unknown> = {};
  if (options.metadata && Object.keys(options.metadata).length > 0) header.__metadata__ = { ...options.metadata };
  let offset = 0;
  for (const t of tensors) {
    if (t.name === '__metadata__' || Object.hasOwn(header, t.name)) {
      throw new GroveError('bad_input', `${where}: tensor name "${t.name}" is reserved or used twice. Give each tensor a unique name.`, {
        tensor: t.name,
      });
    }
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0))
      throw new GroveError('bad_input', `${where}: tensor "${t.name}" has an invalid shape [${t.shape.join(', ')}].`, { tensor: t.name });
    const dtype = t.dtype ?? options.dtype ?? 'F32';
    if (!(WRITE_DTYPES as readonly string[]).includes(dtype))
      throw new GroveError('unsupported', `${where}: cannot write dtype ${dtype}; Grove writes ${WRITE_DTYPES.join(', ')}.`);
    const length = elementCount(t.shape) * DTYPE_SIZES[dtype];
    header[t.name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + length] };
    offset += length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil((8 + json.byteLength) / 8) * 8 - 8;
  const out = new Uint8Array(8 + padded).fill(0x20);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  return out;
}

async function* chunksOf(data: TensorData): AsyncGenerator<Float32Array> {
  if (data instanceof Float32Array) yield data;
  else yield* data();
}

/**
 * The size in bytes of the file writeSafetensors would write for these tensors (header and data), without
 * writing it: how the training estimates know an expert's size on disk before it is trained.
 */
export function safetensorsBytes(tensors: readonly TensorEntry[], options: WriteOptions = {}): number {
  const header = encodeHeader(tensors, options, 'safetensorsBytes');
  return tensors.reduce((n, t) => n + elementCount(t.shape) * DTYPE_SIZES[t.dtype ?? options.dtype ?? 'F32'], header.byteLength);
}

/**
 * Writes `tensors` to `path`. The file appears under `path` only once complete and flushed; on any
 * failure (including a producer throwing half way) the temporary file is removed and nothing
 * appears. An existing file at `path` is replaced atomically.
 */
export async function writeSafetensors(path: string, tensors: readonly TensorToWrite[], options: WriteOptions = {}): Promise<WrittenFile> {
  const header = encodeHeader(tensors, options, path);
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const hash = createHash('sha256');
  let fh: FileHandle | null = null;
  let bytes = 0;
  const write = async (chunk: Uint8Array) => {
    hash.update(chunk);
    let done = 0;
    // At most 1 GiB per call: Node refuses lengths above 2^31 - 1.
    while (done < chunk.byteLength) done += (await fh!.write(chunk, done, Math.min(chunk.byteLength - done, 1 << 30))).bytesWritten;
    bytes += chunk.byteLength;
  };
  try {
    fh = await open(temp, 'wx');
    await write(header);
    for (const t of tensors) {
      const dtype = t.dtype ?? options.dtype ?? 'F32';
      const expected = elementCount(t.shape);
      let written = 0;
      for await (const chunk of chunksOf(t.data)) {
        written += chunk.length;
        if (written > expected) break;
        await write(f32ToBytes(dtype, chunk));
      }
      if (written !== expected) {
        throw new GroveError(
          'bad_input',
          `${path}: tensor "${t.name}" of shape [${t.shape.join(', ')}] needs ${expected} values but its data gave ${written > expected ? 'more' : written}. Check the tensor's shape.`,
          { tensor: t.name },
        );
      }
    }
    await fh.sync();
    await fh.close();
    fh = null;
    await rename(temp, path);
  } catch (err) {
    if (fh) await fh.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await syncFolder(dirname(path));
  return { path, sha256: hash.digest('hex'), bytes };
}

/** Makes the rename itself durable. Some platforms (Windows) cannot open a folder: skip there. */
export async function syncFolder(folder: string): Promise<void> {
  let dir: FileHandle | null = null;
  try {
    dir = await open(folder, 'r');
    await dir.sync();
  } catch {
    // best effort: the data itself was fsynced before the rename
  } finally {
    await dir?.close().catch(() => undefined);
  }
}
