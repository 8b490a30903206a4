// The ONNX writer, checked by the real consumer: onnxruntime-node loads and runs what it encodes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeModel, type OnnxModel } from '../../../../src/engine/graph/onnx/encode';
import { ProtoWriter } from '../../../../src/engine/graph/onnx/protobuf';
import { createSession, ort } from '../../../../src/engine/runtime/ort';
import { tempDir } from '../../../helpers/tmp';

const dir = tempDir();

function f32(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

describe('ProtoWriter', () => {
  it('encodes varints as protobuf does, including negatives and values past 2^31', () => {
    const bytes = (v: number | bigint): number[] => {
      const w = new ProtoWriter();
      w.varint(v);
      return [...w.finish()];
    };
    expect(bytes(0)).toEqual([0]);
    expect(bytes(1)).toEqual([1]);
    expect(bytes(300)).toEqual([0xac, 0x02]);
    expect(bytes(2 ** 32)).toEqual([0x80, 0x80, 0x80, 0x80, 0x10]);
    expect(bytes(-1)).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  });

  it('keeps large byte fields whole across its internal chunks', () => {
    const big = new Uint8Array(5000).map((_, i) => i % 251);
    const w = new ProtoWriter();
    w.string(1, 'a');
    w.bytes(2, big);
    w.int(3, 7);
    const out = w.finish();
    expect(out.length).toBe(3 + 3 + 5000 + 2);
    expect([...out.subarray(6, 5006)]).toEqual([...big]);
  });
});

describe('encodeModel on onnxruntime-node (CPU provider)', () => {
  it('runs a two-node graph: y = (a + b) * c', async () => {
    const model: OnnxModel = {
      graph: {
        name: 'smoke',
        nodes: [
          { opType: 'Add', inputs: ['a', 'b'], outputs: ['s'] },
          { opType: 'Mul', inputs: ['s', 'c'], outputs: ['y'] },
        ],
        inputs: [
          { name: 'a', type: 'float32', shape: ['n', 3] },
          { name: 'b', type: 'float32', shape: ['n', 3] },
        ],
        outputs: [{ name: 'y', type: 'float32', shape: ['n', 3] }],
        initializers: [{ name: 'c', type: 'float32', dims: [3], data: f32([1, -2, 0.5]) }],
      },
    };
    const session = await createSession(encodeModel(model));
    const a = new ort.Tensor('float32', new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    const b = new ort.Tensor('float32', new Float32Array([1, 1, 1, 1, 1, 1]), [2, 3]);
    const { y } = await session.run({ a, b });
    expect([...(y!.data as Float32Array)]).toEqual([2, -6, 2, 5, -12, 3.5]);
    await session.release();
  });

  it('reads an initializer from an external file at an unaligned offset, with attributes', async () => {
    // 3 junk bytes, then the weights: the layout of a tensor inside a safetensors file.
    const weights = f32([1, 2, 3, 4, 5, 6]);
    const blob = new Uint8Array(3 + weights.length);
    blob.set(weights, 3);
    writeFileSync(join(dir, 'weights.bin'), blob);
    const model: OnnxModel = {
      graph: {
        name: 'external',
        nodes: [
          { opType: 'MatMul', inputs: ['x', 'w'], outputs: ['h'] },
          { opType: 'Transpose', inputs: ['h'], outputs: ['y'], attributes: { perm: { kind: 'ints', value: [1, 0] } } },
        ],
        inputs: [{ name: 'x', type: 'float32', shape: [1, 2] }],
        outputs: [{ name: 'y', type: 'float32', shape: [3, 1] }],
        initializers: [{ name: 'w', type: 'float32', dims: [2, 3], data: { location: 'weights.bin', offset: 3, length: weights.length } }],
      },
    };
    const file = join(dir, 'external.onnx');
    writeFileSync(file, encodeModel(model));
    const session = await createSession(file);
    const { y } = await session.run({ x: new ort.Tensor('float32', new Float32Array([1, 10]), [1, 2]) });
    expect(y!.dims).toEqual([3, 1]);
    expect([...(y!.data as Float32Array)]).toEqual([41, 52, 63]);
    await session.release();
  });
});
