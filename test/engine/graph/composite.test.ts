// Composite ops (nn.ts) built from primitives: forward values against plain-JS formulas, and gradients
// of whole programs against finite differences: RMSNorm + linear + cross-entropy, and a tiny Llama
// layer (GQA with causal mask, rotary, Qwen2-style q/k/v biases, SwiGLU, tied embeddings) end to end.
import { describe, expect, it } from 'vitest';
import { encodeGraph, grad, Graph, nn, type Value } from '../../../src/engine/graph';
import { Rng } from '../../../src/engine/model/rng';
import { createSession, ort } from '../../../src/engine/runtime/ort';
import { gradCheck } from './gradcheck';

const f64 = (shape: number[], values: number[]) => new ort.Tensor('float64', Float64Array.from(values), shape);

describe('composite forward values', () => {
  it('rmsNorm, silu, rotary and softmaxCrossEntropy match their formulas', async () => {
    const g = new Graph('composites');
    const x = g.input('x', 'float64', [2, 4]);
    const w = g.input('w', 'float64', [4]);
    const t = g.input('t', 'int64', [2]);
    g.output('rms', nn.rmsNorm(g, x, w, 1e-5));
    g.output('silu', nn.silu(g, x));
    g.output('ce', nn.softmaxCrossEntropy(g, x, t));
    const { cos, sin } = nn.ropeTables(g, g.arange(0, 2), g.constant([1, 0.1], 'float64', [2]));
    g.output('rope', nn.rotary(g, x, cos, sin));
    const session = await createSession(encodeGraph(g));
    const xs = [0.5, -1, 2, 0.25, -0.3, 0.7, 1.1, -2];
    const ws = [1, 2, 0.5, -1];
    const out = await session.run({ x: f64([2, 4], xs), w: f64([4], ws), t: new ort.Tensor('int64', BigInt64Array.from([2n, 0n]), [2]) });
    const rows = [xs.slice(0, 4), xs.slice(4)];
    const near = (got: ort.Tensor, want: number[]) =>
      [...(got.data as Float64Array)].forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 12));
    near(
      out.rms!,
      rows.flatMap((r) => {
        const s = Math.sqrt(r.reduce((a, v) => a + v * v, 0) / 4 + 1e-5);
        return r.map((v, i) => (v / s) * ws[i]!);
      }),
    );
    near(
      out.silu!,
      xs.map((v) => v / (1 + Math.exp(-v))),
    );
    near(
      out.ce!,
      rows.map((r, i) => Math.log(r.reduce((a, v) => a + Math.exp(v), 0)) - r[[2, 0][i]!]!),
    );
    // HF rotate_half: pairs (j, j + D/2) rotate by angle pos * inv_freq[j].
    near(
      out.rope!,
      rows.flatMap((r, pos) => {
        const a = [pos * 1, pos * 0.1];
        return [0, 1, 2, 3].map((i) =>
          i < 2 ? r[i]! * Math.cos(a[i]!) - r[i + 2]! * Math.sin(a[i]!) : r[i]! * Math.cos(a[i - 2]!) + r[i - 2]! * Math.sin(a[i - 2]!),
        );
      }),
    );
    await session.release();
  });
});

describe('composite gradients against finite differences (float64)', () => {
  it('RMSNorm + linear + softmax cross-entropy, mean over named B, T', async () => {
    const [B, T, C, V] = [2, 3, 4, 5];
    await gradCheck({
      name: 'rmsnorm-linear-ce',
      inputs: [{ shape: ['B', 'T', C], feed: [B, T, C] }, { shape: [C], init: 'positive' }, { shape: [V, C] }],
      aux: [{ dtype: 'int64', shape: ['B', 'T'], feed: [B, T], values: [0, 4, 2, 2, 1, 3] }],
      build: (g, [x, norm, head], [targets]) =>
        g.reduceMean(nn.softmaxCrossEntropy(g, nn.linear(g, nn.rmsNorm(g, x!, norm!, 1e-5), head!), targets!)),
    });
  });

  it('a tiny Llama layer: embeddings to loss, every parameter', async () => {
    await gradCheck({
      name: 'tiny-llama',
      sample: 12,
      inputs: PARAMS.map((n) => ({
        shape: TINY[n]!,
        init: n.startsWith('ln') || n === 'norm' ? ('positive' as const) : (_i: number, rng) => 0.5 * rng.normal(),
      })),
      aux: [
        { dtype: 'int64', shape: ['B', 'T'], feed: [2, 5], values: IDS },
        { dtype: 'int64', shape: ['B', 'T'], feed: [2, 5], values: TARGETS },
      ],
      build: (g, xs, [tokens, targets]) => tinyLlamaLoss(g, new Map(PARAMS.map((n, i) => [n, xs[i]!])), tokens!, targets!),
    });
  });
});

describe("float32 training graphs (with ONNX Runtime's float32 fusions) agree with float64", () => {
  it('tiny Llama layer: loss and every gradient within float32 precision', async () => {
    const rng = new Rng(3, 'f32-vs-f64');
    const values = new Map(
      PARAMS.map((n) => [
        n,
        Array.from({ length: TINY[n]!.reduce((a, b) => a * b, 1) }, () =>
          n.startsWith('ln') || n === 'norm' ? 1 + 0.1 * rng.normal() : 0.5 * rng.normal(),
        ),
      ]),
    );
    const results: Record<string, Record<string, ort.Tensor>> = {};
    for (const dtype of ['float32', 'float64'] as const) {
      const g = new Graph(`tiny_llama_${dtype}`);
      const p = new Map(PARAMS.map((n) => [n, g.input(n, dtype, TINY[n]!)]));
      const tokens = g.input('tokens', 'int64', ['B', 'T']);
      const targets = g.input('targets', 'int64', ['B', 'T']);
      const loss = tinyLlamaLoss(g, p, tokens, targets);
      g.output('loss', loss);
      grad(loss, [...p.values()]).forEach((d, i) => g.output(`grad.${PARAMS[i]}`, d));
      const session = await createSession(encodeGraph(g));
      const feeds: Record<string, ort.Tensor> = {
        tokens: new ort.Tensor('int64', BigInt64Array.from(IDS.map(BigInt)), [2, 5]),
        targets: new ort.Tensor('int64', BigInt64Array.from(TARGETS.map(BigInt)), [2, 5]),
      };
      for (const n of PARAMS)
        feeds[n] = new ort.Tensor(dtype, (dtype === 'float32' ? Float32Array : Float64Array).from(values.get(n)!), TINY[n]!);
      results[dtype] = (await session.run(feeds)) as Record<string, ort.Tensor>;
      await session.release();
    }
    const [a, b] = [results.float32!, results.float64!];
    expect(Number(a.loss!.data[0])).toBeCloseTo(Number(b.loss!.data[0]), 5);
    for (const n of PARAMS) {
      const x = [...(a[`grad.${n}`]!.data as Float32Array)];
      const y = [...(b[`grad.${n}`]!.data as Float64Array)];
      const scale = Math.max(...y.map(Math.abs));
      expect(scale, n).toBeGreaterThan(0);
      expect(Math.max(...x.map((v, i) => Math.abs(v - y[i]!))) / scale, n).toBeLessThan(1e-5);
    }
  });
});

// A one-layer Llama (V 11, C 8, H 2, Hkv 1, D 4, I 12) on B 2 x T 5 tokens: GQA with a causal mask,
// rotary, q/k/v biases (Qwen2), SwiGLU, tied embeddings, mean cross-entropy.
const [V, C, H, Hkv, D, I] = [11, 8, 2, 1, 4, 12];
const TINY: Record<string, number[]> = {
  embed: [V, C],
  ln1: [C],
  q: [H * D, C],
  qb: [H * D],
  k: [Hkv * D, C],
  kb: [Hkv * D],
  v: [Hkv * D, C],
  vb: [Hkv * D],
  o: [C, H * D],
  ln2: [C],
  gate: [I, C],
  up: [I, C],
  down: [C, I],
  norm: [C],
};
const PARAMS = Object.keys(TINY);
const IDS = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3];
const TARGETS = [1, 4, 1, 5, 9, 2, 6, 5, 3, 0];

function tinyLlamaLoss(g: Graph, p: ReadonlyMap<string, Value>, tokens: Value, targets: Value): Value {
  const w = (n: string) => p.get(n)!;
  const dtype = w('embed').dtype;
  const G = H / Hkv;
  const eps = 1e-6;
  let x = g.gather(w('embed'), tokens); // [B, T, C]
  const { cos, sin } = nn.ropeTables(g, g.arange(0, 'T'), g.constant([1, 0.01], dtype, [D / 2])); // [T, D]
  const mask = nn.causalMask(g, 'T', 0, dtype); // [T, T]
  const h = nn.rmsNorm(g, x, w('ln1'), eps);
  const heads = (wt: Value, b: Value, n: number) => g.transpose(g.reshape(nn.linear(g, h, wt, b), ['B', 'T', n, D]), [0, 2, 1, 3]); // [B, n, T, D]
  const q = nn.rotary(g, heads(w('q'), w('qb'), H), cos, sin);
  const k = nn.rotary(g, heads(w('k'), w('kb'), Hkv), cos, sin);
  const v = heads(w('v'), w('vb'), Hkv);
  const qg = g.reshape(q, ['B', Hkv, G, 'T', D]);
  const kt = g.unsqueeze(g.transpose(k, [0, 1, 3, 2]), 2); // [B, Hkv, 1, D, T]
  const probs = g.softmax(g.add(g.mul(g.matmul(qg, kt), 1 / Math.sqrt(D)), mask), -1); // [B, Hkv, G, T, T]
  const ctx = g.matmul(probs, g.unsqueeze(v, 2)); // [B, Hkv, G, T, D]
  const y = g.reshape(g.transpose(g.reshape(ctx, ['B', H, 'T', D]), [0, 2, 1, 3]), ['B', 'T', H * D]);
  x = g.add(x, nn.linear(g, y, w('o')));
  const h2 = nn.rmsNorm(g, x, w('ln2'), eps);
  x = g.add(x, nn.linear(g, g.mul(nn.silu(g, nn.linear(g, h2, w('gate'))), nn.linear(g, h2, w('up'))), w('down')));
  const logits = nn.linear(g, nn.rmsNorm(g, x, w('norm'), eps), w('embed')); // tied head
  return g.reduceMean(nn.softmaxCrossEntropy(g, logits, targets));
}
