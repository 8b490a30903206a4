// Reads safetensors files (8-byte little-endian header length, JSON header, raw little-endian tensors),
// validating the header fully and reading one tensor (or a slice of one) at a time from a file handle.
import type { FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import { GroveError } from '../../shared/api/errors';
import { bytesToF32, DTYPE_SIZES, FLOAT_DTYPES, isDtype, type Dtype } from './dtype';
import { fileError, openModelFile } from './model-file';
import { elementCount } from './names';

/** The reference implementation refuses headers above 100 MB; so does Grove. */
export const MAX_HEADER_BYTES = 100_000_000;

if (endianness() !== 'LE') throw new Error('Grove reads and writes safetensors on little-endian machines only');

export interface TensorInfo {
  name: string;
  dtype: Dtype;
  shape: readonly number[];
  /** The file this tensor lives in (differs between tensors of a sharded checkpoint). */
  path: string;
  /** Absolute byte offset in `path` (8 + header length + begin): an ONNX external-data offset. */
  fileOffset: number;
  byteLength: number;
}

/** A slice of a tensor in elements of the flattened (row-major) tensor. */
export interface ElementRange {
  start: number;
  count: number;
}

/** What every weights source offers: one file, or a sharded checkpoint. */
export interface TensorReader {
  readonly tensorNames: readonly string[];
  readonly metadata: Readonly<Record<string, string>>;
  has(name: string): boolean;
  info(name: string): TensorInfo;
  readBytes(name: string, range?: ElementRange): Promise<Uint8Array>;
  /** Float tensors (F64, F32, F16, BF16) converted to float32. */
  readFloat32(name: string, range?: ElementRange): Promise<Float32Array>;
  close(): Promise<void>;
}

export interface ParsedHeader {
  headerLength: number;
  metadata: Record<string, string>;
  /** In data order (ascending offset). */
  tensors: Array<{ name: string; dtype: Dtype; shape: number[]; begin: number; end: number }>;
}

/** Validates a header against the size of the data section that follows it. */
export function parseHeader(headerBytes: Uint8Array, dataLength: number, where: string): ParsedHeader {
  const bad = (what: string, details?: unknown): never => {
    throw new GroveError('bad_input', `${where}: not a valid safetensors file: ${what}. Re-export or re-download the file.`, details);
  };
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (err) {
    return bad(`the header is not UTF-8 JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return bad('the header is not a JSON object');

  const metadata: Record<string, string> = {};
  const tensors: ParsedHeader['tensors'] = [];
  for (const [name, entry] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return bad('__metadata__ is not an object');
      for (const [k, v] of Object.entries(entry)) {
        if (typeof v !== 'string') return bad(`__metadata__ value "${k}" is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (typeof e !== 'object' || e === null) return bad(`tensor "${name}" has no {dtype, shape, data_offsets} entry`);
    if (!isDtype(e.dtype)) return bad(`tensor "${name}" has unknown dtype ${JSON.stringify(e.dtype)}`, { tensor: name, dtype: e.dtype });
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0))
      return bad(`tensor "${name}" has an invalid shape ${JSON.stringify(e.shape)}`);
    const offsets = e.data_offsets;
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      offsets[0] > offsets[1]
    ) {
      return bad(`tensor "${name}" has invalid data_offsets ${JSON.stringify(offsets)}`);
    }
    const shape = e.shape as number[];
    const [begin, end] = offsets as [number, number];
    const expected = elementCount(shape) * DTYPE_SIZES[e.dtype];
    if (end - begin !== expected) {
      return bad(
        `tensor "${name}" (${e.dtype}, shape [${shape.join(', ')}]) needs ${expected} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`,
        { tensor: name },
      );
    }
    tensors.push({ name, dtype: e.dtype, shape, begin, end });
  }

  // Like the reference implementation: tensors tile the data section exactly, with no gap or overlap.
  tensors.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let previous = '(start of data)';
  for (const t of tensors) {
    if (t.begin < cursor)
      return bad(`tensor "${t.name}" [${t.begin}, ${t.end}) overlaps tensor "${previous}" (which ends at ${cursor})`, {
        tensor: t.name,
        other: previous,
      });
    if (t.begin > cursor) return bad(`there is a gap of ${t.begin - cursor} bytes before tensor "${t.name}"`, { tensor: t.name });
    cursor = t.end;
    previous = t.name;
  }
  if (cursor > dataLength) {
    return bad(
      `the file is truncated: tensor "${previous}" ends at data byte ${cursor}, but the data section has only ${dataLength} bytes`,
      { tensor: previous },
    );
  }
  if (cursor < dataLength) return bad(`${dataLength - cursor} bytes after the last tensor belong to no tensor`);
  return { headerLength: headerBytes.byteLength, metadata, tensors };
}

async function readFully(fh: FileHandle, into: Uint8Array, position: number, where: string): Promise<void> {
  let done = 0;
  while (done < into.byteLength) {
    // One read moves at most 1 GiB: Node refuses lengths above 2^31 - 1 (an 8B model's lm_head is larger).
    const { bytesRead } = await fh.read(into, done, Math.min(into.byteLength - done, 1 << 30), position + done);
    if (bytesRead === 0)
      throw new GroveError(
        'bad_input',
        `${where}: the file ended early (it changed or was truncated while being read). Check the file and try again.`,
      );
    done += bytesRead;
  }
}

/** One .safetensors file, open for reading. Close it when done. */
export class SafetensorsFile implements TensorReader {
  private readonly entries: Map<string, TensorInfo>;

  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    readonly header: ParsedHeader,
  ) {
    const dataStart = 8 + header.headerLength;
    this.entries = new Map(
      header.tensors.map((t) => [
        t.name,
        { name: t.name, dtype: t.dtype, shape: t.shape, path, fileOffset: dataStart + t.begin, byteLength: t.end - t.begin },
      ]),
    );
  }

  static async open(path: string): Promise<SafetensorsFile> {
    const { fh, size } = await openModelFile(path, 'safetensors file');
    try {
      if (size < 8)
        throw new GroveError(
          'bad_input',
          `${path}: not a valid safetensors file: it has ${size} bytes, fewer than the 8-byte header length. Re-export or re-download the file.`,
        );
      const prefix = new Uint8Array(8);
      await readFully(fh, prefix, 0, path);
      const n = new DataView(prefix.buffer).getBigUint64(0, true);
      if (n > BigInt(MAX_HEADER_BYTES) || 8 + Number(n) > size) {
        throw new GroveError(
          'bad_input',
          `${path}: not a valid safetensors file: header length ${n} does not fit in a ${size}-byte file (or exceeds ${MAX_HEADER_BYTES}). Re-export or re-download the file.`,
        );
      }
      const headerBytes = new Uint8Array(Number(n));
      await readFully(fh, headerBytes, 8, path);
      return new SafetensorsFile(path, fh, parseHeader(headerBytes, size - 8 - Number(n), path));
    } catch (err) {
      await fh.close();
      throw fileError(err, path, 'safetensors file');
    }
  }

  get tensorNames(): readonly string[] {
    return this.header.tensors.map((t) => t.name);
  }

  get metadata(): Readonly<Record<string, string>> {
    return this.header.metadata;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  info(name: string): TensorInfo {
    const info = this.entries.get(name);
    if (!info)
      throw new GroveError('not_found', `${this.path}: no tensor named "${name}". Check the model's architecture and tensor names.`, {
        tensor: name,
        path: this.path,
      });
    return info;
  }

  async readBytes(name: string, range?: ElementRange): Promise<Uint8Array> {
    const info = this.info(name);
    const size = DTYPE_SIZES[info.dtype];
    const total = info.byteLength / size;
    const { start, count } = range ?? { start: 0, count: total };
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(count) || start < 0 || count < 0 || start + count > total) {
      throw new GroveError(
        'bad_input',
        `${this.path}: element range [${start}, ${start + count}) is outside tensor "${name}" (${total} elements).`,
        { tensor: name },
      );
    }
    const bytes = new Uint8Array(count * size);
    await readFully(this.fh, bytes, info.fileOffset + start * size, this.path);
    return bytes;
  }

  async readFloat32(name: string, range?: ElementRange): Promise<Float32Array> {
    const { dtype } = this.info(name);
    if (!(FLOAT_DTYPES as readonly string[]).includes(dtype)) {
      throw new GroveError(
        'unsupported',
        `${this.path}: tensor "${name}" has dtype ${dtype}, which is not a float type (${FLOAT_DTYPES.join(', ')}). Read it with readBytes.`,
        { tensor: name, dtype },
      );
    }
    return bytesToF32(dtype, await this.readBytes(name, range));
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}
