// Lowering to ONNX and the autodiff's bookkeeping, run on onnxruntime-node: named dims resolved at run
// time for several fed sizes, dead-node removal, output naming, graph dumps, gradient accumulation.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeGraph, grad, Graph, lowerGraph, nn, type Value } from '../../../src/engine/graph';
import { createSession, ort } from '../../../src/engine/runtime/ort';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();

async function run(g: Graph, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const session = await createSession(encodeGraph(g));
  try {
    return (await session.run(feeds)) as Record<string, ort.Tensor>;
  } finally {
    await session.release();
  }
}

const f32 = (shape: number[], fill: (i: number) => number) =>
  new ort.Tensor(
    'float32',
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => fill(i)),
    shape,
  );
const opTypes = (g: Graph) => lowerGraph(g).graph.nodes.map((n) => n.opType);

describe('lowering', () => {
  it('resolves named dims at run time, for any fed sizes', async () => {
    const g = new Graph('symbolic');
    const x = g.input('x', 'float32', ['B', 'T', 4]);
    const past = g.input('past', 'float32', [1, 'P']);
    const w = g.input('w', 'float32', [4, 6]);
    const flat = g.reshape(g.matmul(x, w), [-1, 6]); // [B*T, 6]
    g.output('flat', flat);
    g.output('split', g.reshape(g.split(flat, 0, ['B*T-1', 1])[1]!, [1, 2, 3])); // the last row
    g.output('count', g.size('B*T+P', 'float32'));
    g.output('mask', nn.causalMask(g, 'T', 'P')); // [T, P+T]
    g.output('padded', g.pad(past, [0, 'T', 0, 1])); // [1, T+P+1]
    g.output('positions', g.arange('P', 'P+T'));
    for (const [B, T, P] of [
      [2, 3, 0],
      [1, 5, 2],
    ] as const) {
      const xs = f32([B, T, 4], (i) => (i % 7) - 3);
      const ws = f32([4, 6], (i) => i / 10);
      const out = await run(g, { x: xs, w: ws, past: f32([1, P], () => 1) });
      expect(out.flat!.dims).toEqual([B * T, 6]);
      const row = (r: number) =>
        Array.from({ length: 6 }, (_, j) =>
          [0, 1, 2, 3].reduce((s, k) => s + (xs.data[r * 4 + k] as number) * (ws.data[k * 6 + j] as number), 0),
        );
      expect([...(out.flat!.data as Float32Array)].slice(6, 12).map((v) => +v.toFixed(4) + 0)).toEqual(
        row(1).map((v) => +v.toFixed(4) + 0),
      );
      expect([...(out.split!.data as Float32Array)].map((v) => +v.toFixed(4) + 0)).toEqual(row(B * T - 1).map((v) => +v.toFixed(4) + 0));
      expect(out.count!.data[0]).toBe(B * T + P);
      expect(out.mask!.dims).toEqual([T, P + T]);
      const mask = out.mask!.data as Float32Array;
      for (let i = 0; i < T; i++) for (let j = 0; j < P + T; j++) expect(mask[i * (P + T) + j]).toBe(j <= P + i ? 0 : -Infinity);
      expect(out.padded!.dims).toEqual([1, T + P + 1]);
      expect([...(out.positions!.data as BigInt64Array)].map(Number)).toEqual(Array.from({ length: T }, (_, i) => P + i));
    }
  });

  it('keeps reshape shapes constant where it can: 0 copies an input dim, -1 is inferred', () => {
    const g = new Graph('reshapes');
    const x = g.input('x', 'float32', ['B', 'T', 8]);
    const heads = g.reshape(x, ['B', 'T', 2, 4]); // [0, 0, 2, 4]
    const flat = g.reshape(heads, [-1, 8]); // [-1, 8]
    g.output('back', g.reshape(flat, ['B', 'T', 8])); // B read at run time, T inferred
    const model = lowerGraph(g).graph;
    expect(model.nodes.filter((n) => n.opType === 'Shape').length).toBe(1);
    const shapes = model.nodes.filter((n) => n.opType === 'Reshape').map((n) => model.initializers!.find((i) => i.name === n.inputs[1]));
    const ints = (i: (typeof shapes)[number]) =>
      i ? [...new BigInt64Array((i.data as Uint8Array).slice().buffer)].map(Number) : 'run time';
    expect(shapes.map(ints)).toEqual([[0, 0, 2, 4], [-1, 8], 'run time']);
  });

  it('emits only what the outputs need; names outputs; Identity where an output is an input or repeated', () => {
    const g = new Graph('naming');
    const x = g.input('x', 'float32', [3]);
    const y = g.scope('block', () => g.exp(x));
    g.log(g.sigmoid(x)); // dead
    g.output('y', y);
    g.output('y_again', y);
    g.output('x_out', x);
    const model = lowerGraph(g).graph;
    expect(model.nodes.map((n) => [n.opType, n.inputs, n.outputs])).toEqual([
      ['Exp', ['x'], ['y']],
      ['Identity', ['y'], ['y_again']],
      ['Identity', ['x'], ['x_out']],
    ]);
    expect(model.initializers).toEqual([]);
    const g2 = new Graph('scoped');
    const x2 = g2.input('x', 'float32', [3]);
    g2.output('out', g2.neg(g2.scope('layers.0/mlp', () => g2.exp(x2).named('e'))));
    expect(lowerGraph(g2).graph.nodes[0]!.outputs[0]).toMatch(/^layers\.0\/mlp\/e_\d+$/);
  });

  it('dumps graphs for Netron to GROVE_DUMP_GRAPHS, with inferred shapes, loadable by ORT', async () => {
    const g = new Graph('dump me');
    const x = g.input('x', 'float32', ['B', 2]);
    g.output('y', g.reduceSum(g.mul(x, x), -1));
    const before = process.env.GROVE_DUMP_GRAPHS;
    process.env.GROVE_DUMP_GRAPHS = join(dir, 'dumps');
    try {
      encodeGraph(g);
    } finally {
      if (before === undefined) delete process.env.GROVE_DUMP_GRAPHS;
      else process.env.GROVE_DUMP_GRAPHS = before;
    }
    const file = join(dir, 'dumps', 'dump_me.onnx');
    expect(existsSync(file)).toBe(true);
    const session = await createSession(file);
    const out = await session.run({ x: f32([1, 2], (i) => i + 1) });
    expect(out.y!.data[0]).toBe(5);
    await session.release();
    expect(lowerGraph(g, { valueInfo: true }).graph.valueInfo?.map((v) => v.shape)).toEqual([['B', 2]]);
    encodeGraph(g, { dumpDir: join(dir, 'explicit') });
    expect(readdirSync(join(dir, 'explicit'))).toEqual(['dump_me.onnx']);
  });
});

describe('initializers', () => {
  it('take raw bytes or point into a file next to the model (external data, any offset)', async () => {
    const g = new Graph('weights');
    const x = g.input('x', 'float32', ['N', 2]);
    const w = g.initializer('w', 'float32', [2, 2], { location: 'w.bin', offset: 3, length: 16 });
    const b = g.initializer('b', 'float32', [2], new Uint8Array(new Float32Array([10, 20]).buffer));
    g.output('y', g.add(g.matmul(x, w), b));
    writeFileSync(join(dir, 'w.bin'), Buffer.concat([Buffer.from([9, 9, 9]), Buffer.from(new Float32Array([1, 2, 3, 4]).buffer)]));
    writeFileSync(join(dir, 'weights.onnx'), encodeGraph(g));
    const session = await createSession(join(dir, 'weights.onnx'));
    const out = await session.run({ x: f32([1, 2], (i) => i + 1) });
    expect([...(out.y!.data as Float32Array)]).toEqual([1 * 1 + 2 * 3 + 10, 1 * 2 + 2 * 4 + 20]);
    await session.release();
  });
});

describe('autodiff bookkeeping', () => {
  it('adds a value used several times in one Sum, and does no work for inputs not asked for', () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [4]);
    const c = g.input('c', 'float32', [4]); // no gradient wanted
    const loss = g.reduceSum(g.add(g.add(g.mul(x, g.exp(c)), g.sigmoid(x)), g.tanh(x)));
    const [dx] = grad(loss, [x]);
    g.output('dx', dx!);
    const ops = opTypes(g);
    expect(ops.filter((o) => o === 'Sum')).toEqual(['Sum']);
    expect(dx!.node!.op).toBe('sum');
    expect(dx!.node!.inputs.length).toBe(3);
    expect(ops.filter((o) => o === 'Exp')).toEqual(['Exp']); // exp(c) is reused, never differentiated
  });

  it('gives zeros for inputs the output does not depend on, and takes a seed for non-scalar outputs', async () => {
    const g = new Graph();
    const x = g.input('x', 'float32', ['N']);
    const unused = g.input('u', 'float32', ['N', 2]);
    const y = g.mul(x, x);
    expect(() => grad(y, [x])).toThrow(/not a scalar/);
    const seed = g.input('dy', 'float32', ['N']);
    const [dx, du] = grad(y, [x, unused], { seed });
    g.output('dx', dx!);
    g.output('du', du!);
    const out = await run(g, { x: f32([3], (i) => i), u: f32([3, 2], () => 1), dy: f32([3], () => 2) });
    expect([...(out.dx!.data as Float32Array)]).toEqual([0, 4, 8]);
    expect(out.du!.dims).toEqual([3, 2]);
    expect([...(out.du!.data as Float32Array)]).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('refuses what it cannot differentiate, with the op named', () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [4, 2]);
    const u = g.input('u', 'float32', [1, 2]);
    const ids = g.constant([1], 'int64', [1, 1]);
    expect(() => grad(g.reduceSum(g.scatterNDAdd(x, ids, u)), [u])).toThrow(/scatterNDAdd: no gradient for updates/);
    expect(() => grad(g.reduceSum(g.slice(x, 0, 0, 4, 2)), [x])).toThrow(/slice: no gradient for step 2/);
    expect(() => grad(g.reduceSum(x), [ids])).toThrow(/not floating point/);
  });
});

describe('graph values', () => {
  it('keeps float64 end to end', async () => {
    const g = new Graph();
    const x: Value = g.input('x', 'float64', [2]);
    g.output('y', g.add(x, 1e-12));
    const out = await run(g, { x: new ort.Tensor('float64', new Float64Array([1, 2]), [2]) });
    expect([...(out.y!.data as Float64Array)]).toEqual([1 + 1e-12, 2 + 1e-12]);
  });
});
