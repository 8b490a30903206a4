// The inference-only IR ops on onnxruntime-node: SkipSimplifiedLayerNormalization equals the plain-op
// residual + RMSNorm, GroupQueryAttention equals the plain-op causal attention, a run-time slice takes the
// fed bounds; and autodiff refuses each by name instead of building a wrong gradient.
import { describe, expect, it } from 'vitest';
import { encodeGraph, grad, Graph, lowerGraph, nn, type Value } from '../../../../src/engine/graph';
import { createSession, ort } from '../../../../src/engine/runtime/ort';

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
const wave = (i: number) => Math.sin(i * 1.7) * 0.9;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('inference-only ops', () => {
  it('skipRmsNorm gives the residual sum and its RMSNorm, as add + rmsNorm do', async () => {
    const g = new Graph('skip_norm');
    const x = g.input('x', 'float32', ['B', 'T', 8]);
    const skip = g.input('skip', 'float32', ['B', 'T', 8]);
    const w = g.input('w', 'float32', [8]);
    const [normed, sum] = g.skipRmsNorm(x, skip, w, 1e-5);
    g.output('normed', normed);
    g.output('sum', sum);
    g.output('ref_normed', nn.rmsNorm(g, g.add(skip, x), w, 1e-5));
    const node = lowerGraph(g).graph.nodes.find((n) => n.opType === 'SkipSimplifiedLayerNormalization');
    expect(node?.domain).toBe('com.microsoft');
    expect(lowerGraph(g).extraOpsets).toEqual({ 'com.microsoft': 1 });
    const out = await run(g, { x: f32([2, 3, 8], wave), skip: f32([2, 3, 8], (i) => Math.cos(i)), w: f32([8], (i) => 1 + i / 8) });
    expect(maxAbsDiff(out.normed!.data as Float32Array, out.ref_normed!.data as Float32Array)).toBeLessThan(1e-5);
    expect(
      maxAbsDiff(
        out.sum!.data as Float32Array,
        Float32Array.from({ length: 48 }, (_, i) => Math.fround(wave(i)) + Math.fround(Math.cos(i))),
      ),
    ).toBeLessThan(1e-6);
  });

  it('groupQueryAttention (no cache, packed or not) equals plain causal grouped-query attention', async () => {
    const [H, Hkv, D] = [4, 2, 8];
    for (const packed of [false, true]) {
      const g = new Graph('gqa');
      const q = g.input('q', 'float32', ['B', 'S', H * D]);
      const k = g.input('k', 'float32', ['B', 'S', Hkv * D]);
      const v = g.input('v', 'float32', ['B', 'S', Hkv * D]);
      const S = g.size('S');
      const seqlensK = g.cast(g.expand(g.sub(S, 1), ['B']), 'int32');
      const totalLength = g.cast(S, 'int32');
      const heads = { numHeads: H, kvNumHeads: Hkv };
      const [ctx, presentK] = packed
        ? g.groupQueryAttention({ q: g.concat([q, k, v], -1), seqlensK, totalLength }, heads)
        : g.groupQueryAttention({ q, k, v, seqlensK, totalLength }, heads);
      expect(presentK.shape).toEqual(['B', Hkv, 'S', D]);
      g.output('ctx', ctx);
      // Reference: heads split, k/v repeated per group, softmax(q k^T / sqrt(D) + causal) v.
      const toHeads = (x: Value, n: number) => g.transpose(g.reshape(x, ['B', 'S', n, D]), [0, 2, 1, 3]);
      const qg = g.reshape(toHeads(q, H), ['B', Hkv, H / Hkv, 'S', D]);
      const scores = g.add(
        g.mul(g.matmul(qg, g.unsqueeze(g.transpose(toHeads(k, Hkv), [0, 1, 3, 2]), 2)), 1 / Math.sqrt(D)),
        nn.causalMask(g, 'S'),
      );
      const ref = g.matmul(g.softmax(scores, -1), g.unsqueeze(toHeads(v, Hkv), 2));
      g.output('ref', g.reshape(g.transpose(g.reshape(ref, ['B', H, 'S', D]), [0, 2, 1, 3]), ['B', 'S', H * D]));
      const out = await run(g, {
        q: f32([2, 5, H * D], wave),
        k: f32([2, 5, Hkv * D], (i) => Math.cos(i * 0.3)),
        v: f32([2, 5, Hkv * D], (i) => Math.sin(i * 0.11)),
      });
      expect(maxAbsDiff(out.ctx!.data as Float32Array, out.ref!.data as Float32Array)).toBeLessThan(1e-5);
    }
  });

  it('sliceRange takes its bounds at run time', async () => {
    const g = new Graph('slice_range');
    const x = g.input('x', 'float32', [2, 'N']);
    const start = g.input('start', 'int64', [1]);
    const end = g.add(start, 3);
    g.output('y', g.sliceRange(x, 1, start, end, 3));
    const out = await run(g, { x: f32([2, 6], (i) => i), start: new ort.Tensor('int64', BigInt64Array.from([2n]), [1]) });
    expect([...(out.y!.data as Float32Array)]).toEqual([2, 3, 4, 8, 9, 10]);
  });

  it('autodiff refuses them by name', () => {
    const g = new Graph('refuse');
    const x = g.input('x', 'float32', [1, 2, 4]);
    const w = g.input('w', 'float32', [4]);
    const [normed] = g.skipRmsNorm(x, x, w, 1e-5);
    expect(() => grad(g.reduceSum(normed), [w])).toThrow(/skipSimplifiedLayerNorm .*is inference-only/);
    const sliced = g.sliceRange(x, 2, g.constant([0], 'int64'), g.constant([2], 'int64'), 2);
    expect(() => grad(g.reduceSum(sliced), [x])).toThrow(/sliceRange .*is inference-only/);
  });
});
