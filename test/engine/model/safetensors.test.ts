import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SafetensorsFile } from '../../../src/engine/model/safetensors';
import { writeSafetensors, type TensorToWrite } from '../../../src/engine/model/safetensors-write';
import { ShardedSafetensors } from '../../../src/engine/model/sharded';
import { GroveError } from '../../../src/shared/api/errors';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
const ramp = (n: number, scale = 1) => Float32Array.from({ length: n }, (_, i) => (i - n / 3) * scale);

/** A safetensors file from a header object and a data section, as another tool would write it. */
function handWritten(path: string, header: unknown, data: Uint8Array): void {
  const json = Buffer.from(JSON.stringify(header));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(path, Buffer.concat([prefix, json, data]));
}

async function rejection(promise: Promise<unknown>): Promise<GroveError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof GroveError) return err;
    throw err;
  }
  throw new Error('expected a GroveError');
}

describe('safetensors', () => {
  it('round-trips f32 exactly, with metadata, and exposes absolute file offsets', async () => {
    const path = join(dir, 'f32.safetensors');
    const a = ramp(12, 0.1),
      b = Float32Array.from([Math.PI]),
      empty = new Float32Array(0);
    await writeSafetensors(
      path,
      [
        { name: 'a', shape: [3, 4], data: a },
        { name: 'scalar', shape: [], data: b },
        { name: 'empty', shape: [0, 5], data: empty },
      ],
      { metadata: { format: 'pt', note: 'hi' } },
    );
    const file = await SafetensorsFile.open(path);
    expect(file.metadata).toEqual({ format: 'pt', note: 'hi' });
    expect(file.tensorNames).toEqual(['a', 'scalar', 'empty']);
    expect(await file.readFloat32('a')).toEqual(a);
    expect(await file.readFloat32('a', { start: 5, count: 4 })).toEqual(a.subarray(5, 9));
    expect(await file.readFloat32('scalar')).toEqual(b);
    expect(file.info('empty').shape).toEqual([0, 5]);
    // The offset is where the bytes really are: an ONNX external-data reference can use it as is.
    const raw = readFileSync(path);
    const info = file.info('a');
    expect(info.fileOffset % 8).toBe(0); // header padded to 8 bytes, like the reference writer
    expect(
      new Float32Array(raw.buffer.slice(raw.byteOffset + info.fileOffset, raw.byteOffset + info.fileOffset + info.byteLength)),
    ).toEqual(a);
    await expect(file.readFloat32('nope')).rejects.toThrow(/no tensor named "nope"/);
    await expect(file.readFloat32('a', { start: 10, count: 3 })).rejects.toThrow(/outside tensor "a"/);
    await file.close();
  });

  it('writes f16 (rounded like torch .half()) and reads it back as f32', async () => {
    const path = join(dir, 'f16.safetensors');
    const values = Float32Array.from([0, 1, -1.5, 65504, 1 / 3, 1e-6]);
    await writeSafetensors(path, [{ name: 'h', shape: [2, 3], data: values }], { dtype: 'F16' });
    const file = await SafetensorsFile.open(path);
    expect(file.info('h')).toMatchObject({ dtype: 'F16', byteLength: 12 });
    const back = await file.readFloat32('h');
    expect(Array.from(back.subarray(0, 4))).toEqual([0, 1, -1.5, 65504]);
    expect(Math.abs(back[4]! - 1 / 3)).toBeLessThan(2 ** -12);
    expect(Math.abs(back[5]! - 1e-6)).toBeLessThan(2 ** -24); // subnormal in f16
    await file.close();
  });

  it('reads bf16 written by hand', async () => {
    const path = join(dir, 'bf16.safetensors');
    // bf16 = top 16 bits of the f32: 1.0 = 0x3f80, -2.0 = 0xc000, 0.15625 = 0x3e20
    handWritten(path, { w: { dtype: 'BF16', shape: [3], data_offsets: [0, 6] } }, Uint8Array.from([0x80, 0x3f, 0x00, 0xc0, 0x20, 0x3e]));
    const file = await SafetensorsFile.open(path);
    expect(Array.from(await file.readFloat32('w'))).toEqual([1, -2, 0.15625]);
    await file.close();
  });

  it('streams chunked tensors and refuses a producer that gives the wrong count', async () => {
    const path = join(dir, 'chunks.safetensors');
    const whole = ramp(10);
    await writeSafetensors(path, [
      {
        name: 'x',
        shape: [10],
        data: function* () {
          yield whole.subarray(0, 4);
          yield whole.subarray(4);
        },
      },
    ]);
    const file = await SafetensorsFile.open(path);
    expect(await file.readFloat32('x')).toEqual(whole);
    await file.close();
    const err = await rejection(
      writeSafetensors(join(dir, 'short.safetensors'), [{ name: 'x', shape: [2, 5], data: whole.subarray(0, 9) }]),
    );
    expect(err.message).toContain('tensor "x" of shape [2, 5] needs 10 values but its data gave 9');
    expect(existsSync(join(dir, 'short.safetensors'))).toBe(false);
  });

  it('rejects corrupt headers, overlapping offsets, wrong sizes, unknown dtypes and truncated files', async () => {
    const cases: Array<[string, unknown, number, RegExp]> = [
      [
        'overlap',
        { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } },
        12,
        /tensor "b" \[4, 12\) overlaps tensor "a"/,
      ],
      [
        'size',
        { a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } },
        8,
        /"a" \(F32, shape \[3\]\) needs 12 bytes but data_offsets \[0, 8\] hold 8/,
      ],
      ['dtype', { a: { dtype: 'F17', shape: [1], data_offsets: [0, 4] } }, 4, /unknown dtype "F17"/],
      [
        'truncated',
        { a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } },
        10,
        /truncated: tensor "a" ends at data byte 16, but the data section has only 10 bytes/,
      ],
      ['gap', { a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8, /gap of 4 bytes before tensor "a"/],
      ['metadata', { __metadata__: { n: 3 } }, 0, /__metadata__ value "n" is not a string/],
    ];
    for (const [name, header, dataBytes, message] of cases) {
      const path = join(dir, `bad-${name}.safetensors`);
      handWritten(path, header, new Uint8Array(dataBytes));
      const err = await rejection(SafetensorsFile.open(path));
      expect(err.code, name).toBe('bad_input');
      expect(err.message, name).toMatch(message);
      expect(err.message, name).toContain(path);
    }
    const notJson = join(dir, 'bad-json.safetensors');
    writeFileSync(notJson, Buffer.concat([Buffer.from([5, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{"a":')]));
    expect((await rejection(SafetensorsFile.open(notJson))).message).toMatch(/header is not UTF-8 JSON/);
    const hugeLength = join(dir, 'bad-length.safetensors');
    writeFileSync(hugeLength, Buffer.from([0xff, 0xff, 0, 0, 0, 0, 0, 0, 0x7b, 0x7d]));
    expect((await rejection(SafetensorsFile.open(hugeLength))).message).toMatch(/header length 65535 does not fit in a 10-byte file/);
    // A real file cut short (a partial download).
    const good = join(dir, 'good.safetensors');
    await writeSafetensors(good, [{ name: 'w', shape: [64], data: ramp(64) }]);
    const cut = join(dir, 'cut.safetensors');
    const bytes = readFileSync(good);
    writeFileSync(cut, bytes.subarray(0, bytes.length - 5));
    expect((await rejection(SafetensorsFile.open(cut))).message).toMatch(/truncated: tensor "w"/);
    expect((await rejection(SafetensorsFile.open(join(dir, 'missing.safetensors')))).code).toBe('not_found');
  });

  it('returns the sha256 of the file as written', async () => {
    const path = join(dir, 'hash.safetensors');
    const { sha256, bytes } = await writeSafetensors(path, [
      { name: 'a', shape: [100], data: ramp(100) },
      { name: 'b', shape: [7], data: ramp(7), dtype: 'F16' },
    ]);
    const file = readFileSync(path);
    expect(bytes).toBe(file.length);
    expect(sha256).toBe(createHash('sha256').update(file).digest('hex'));
  });

  it('is atomic: a failure after the first tensor leaves no file under the final name and no temp file', async () => {
    const sub = join(dir, 'atomic');
    mkdirSync(sub);
    const path = join(sub, 'model.safetensors');
    const failing: TensorToWrite[] = [
      { name: 'first', shape: [1000], data: ramp(1000) },
      {
        name: 'second',
        shape: [1000],
        data: () => {
          throw new Error('disk full (simulated)');
        },
      },
    ];
    await expect(writeSafetensors(path, failing)).rejects.toThrow('disk full (simulated)');
    expect(readdirSync(sub)).toEqual([]);
    // An existing file stays intact when its replacement fails.
    await writeSafetensors(path, [{ name: 'old', shape: [2], data: ramp(2) }]);
    const before = readFileSync(path);
    await expect(writeSafetensors(path, failing)).rejects.toThrow('disk full (simulated)');
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(sub)).toEqual(['model.safetensors']);
  });

  it('refuses duplicate and reserved names', async () => {
    const t = { shape: [1], data: ramp(1) };
    await expect(
      writeSafetensors(join(dir, 'dup.safetensors'), [
        { name: 'a', ...t },
        { name: 'a', ...t },
      ]),
    ).rejects.toThrow(/"a" is reserved or used twice/);
    await expect(writeSafetensors(join(dir, 'dup.safetensors'), [{ name: '__metadata__', ...t }])).rejects.toThrow(/reserved/);
  });

  it('reads a sharded checkpoint through model.safetensors.index.json', async () => {
    const sub = join(dir, 'sharded');
    mkdirSync(sub);
    await writeSafetensors(join(sub, 'model-00001-of-00002.safetensors'), [{ name: 'a', shape: [4], data: ramp(4) }]);
    await writeSafetensors(join(sub, 'model-00002-of-00002.safetensors'), [
      { name: 'b', shape: [2, 2], data: ramp(4, 2) },
      { name: 'c', shape: [1], data: ramp(1) },
    ]);
    const index = {
      metadata: { total_size: 36 },
      weight_map: { a: 'model-00001-of-00002.safetensors', b: 'model-00002-of-00002.safetensors', c: 'model-00002-of-00002.safetensors' },
    };
    writeFileSync(join(sub, 'model.safetensors.index.json'), JSON.stringify(index));
    const sharded = await ShardedSafetensors.open(join(sub, 'model.safetensors.index.json'));
    expect(sharded.tensorNames).toEqual(['a', 'b', 'c']);
    expect(sharded.metadata).toEqual({ total_size: '36' });
    expect(await sharded.readFloat32('b')).toEqual(ramp(4, 2));
    expect(sharded.info('b').path).toBe(join(sub, 'model-00002-of-00002.safetensors'));
    await sharded.close();

    writeFileSync(
      join(sub, 'model.safetensors.index.json'),
      JSON.stringify({ weight_map: { ...index.weight_map, d: 'model-00001-of-00002.safetensors' } }),
    );
    expect((await rejection(ShardedSafetensors.open(join(sub, 'model.safetensors.index.json')))).message).toMatch(
      /tensor "d" is mapped to model-00001-of-00002.safetensors, which does not contain it/,
    );
    writeFileSync(join(sub, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { a: '../elsewhere.safetensors' } }));
    expect((await rejection(ShardedSafetensors.open(join(sub, 'model.safetensors.index.json')))).message).toMatch(
      /not a file name in the same folder/,
    );
  });
});
