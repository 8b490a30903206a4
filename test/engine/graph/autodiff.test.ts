// Recompute regions (Graph.recompute): the gradients equal those of the same program without regions, the
// backward pass never reads an activation from inside a region (it reads the replay's), and regions do not nest.
import { describe, expect, it } from 'vitest';
import { encodeGraph, grad, Graph, nn, type Value } from '../../../src/engine/graph';
import { Rng } from '../../../src/engine/model/rng';
import { createSession, ort } from '../../../src/engine/runtime/ort';

const C = 6;
const LAYERS = 3;

/** Three residual blocks x + W2 silu(W1 rmsNorm(x)), then a loss; each block a region where `recompute`. */
function program(recompute: boolean): { g: Graph; loss: Value; weights: Value[]; forwardEnd: number } {
  const g = new Graph(recompute ? 'regions' : 'plain');
  const x0 = g.input('x', 'float64', [4, C]);
  const weights: Value[] = [];
  let x = x0;
  for (let i = 0; i < LAYERS; i++) {
    const [norm, w1, w2] = [
      g.input(`n${i}`, 'float64', [C]),
      g.input(`a${i}`, 'float64', [2 * C, C]),
      g.input(`b${i}`, 'float64', [C, 2 * C]),
    ];
    weights.push(norm, w1, w2);
    const block = (): Value => g.add(x, nn.linear(g, nn.silu(g, nn.linear(g, nn.rmsNorm(g, x, norm, 1e-6), w1)), w2));
    x = recompute ? g.recompute(block) : block();
  }
  const loss = g.reduceSum(g.mul(x, x));
  return { g, loss, weights, forwardEnd: g.nodes.length };
}

describe('recompute regions', () => {
  it('give the gradients of the same program without them', async () => {
    const rng = new Rng(3, 'regions');
    const feeds: Record<string, ort.Tensor> = {};
    const results: Record<string, ort.Tensor>[] = [];
    for (const recompute of [false, true]) {
      const { g, loss, weights } = program(recompute);
      grad(loss, weights).forEach((d, i) => g.output(`d_${weights[i]!.label}`, d));
      g.output('loss', loss);
      for (const v of g.inputs) {
        const n = v.shape.reduce<number>((a, d) => a * (d as number), 1);
        feeds[v.label] ??= new ort.Tensor(
          'float64',
          Float64Array.from({ length: n }, () => rng.normal() * 0.5),
          v.shape as number[],
        );
      }
      // Unfused: ONNX Runtime's RMSNorm fusion, which the two graphs get in different places, computes in float32.
      results.push(await (await createSession(encodeGraph(g), { optimization: 'disabled' })).run(feeds));
    }
    const [plain, regions] = results as [Record<string, ort.Tensor>, Record<string, ort.Tensor>];
    expect(Object.keys(regions).sort()).toEqual(Object.keys(plain).sort());
    for (const name of Object.keys(plain)) {
      const [a, b] = [plain[name]!.data as Float64Array, regions[name]!.data as Float64Array];
      a.forEach((v, i) => expect(b[i], `${name}[${i}]`).toBeCloseTo(v, 12));
    }
  });

  it('keep no activation from inside a region for the backward pass', () => {
    const { g, loss, weights, forwardEnd } = program(true);
    grad(loss, weights);
    const regionNodes = g.nodes.slice(0, forwardEnd).filter((n) => n.region !== undefined);
    expect(new Set(regionNodes.map((n) => n.region)).size).toBe(LAYERS);
    // A value a region computes for itself only (not its output to the next block or the loss).
    const internal = new Set<Value>();
    for (const n of regionNodes)
      for (const y of n.outputs) {
        const readers = g.nodes.slice(0, forwardEnd).filter((m) => m.inputs.includes(y));
        if (readers.every((m) => m.region === n.region)) internal.add(y);
      }
    expect(internal.size).toBeGreaterThan(LAYERS * 5);
    const backward = g.nodes.slice(forwardEnd);
    for (const m of backward) for (const v of m.inputs) expect(internal.has(v), `${m.op} in ${m.scope} reads ${v}`).toBe(false);
  });

  it('do not nest', () => {
    const g = new Graph('nested');
    const x = g.input('x', 'float32', [2]);
    expect(() => g.recompute(() => g.recompute(() => g.neg(x)))).toThrow(/recompute regions do not nest/);
  });
});
