// Composite ops (nn.ts) built from primitives: forward values against plain-JS formulas, and gradients
// of whole programs against finite differences: RMSNorm + linear + cross-entropy, and a tiny Llama
// layer (GQA with causal mask, rotary, Qwen2-style q/k/v biases, SwiGLU, tied embeddings) end to end.
import { describe, expect, it } from 'vitest';
import { encodeGraph, Graph, nn, type Value } from '../../../src/engine/graph';
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
    const near = (got: ort.Tensor, want: number[]) => [...(got.data as Float64Array)].forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 12));
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
        return [0, 1, 2, 3].map((i) => (i < 2 ? r[i]! * Math.cos(a[i]!) - r[i + 2]! * Math.sin(a[i]!) : r[i]! * Math.cos(a[i - 2]!) + r[i - 2]! * Math.sin(a[i - 2]!)));
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
      build: (g, [x, norm, head], [targets]) => g.reduceMean(nn.softmaxCrossEntropy(g, nn.linear(g, nn.rmsNorm(g, x!, norm!, 1e-5), head!), targets!)),
    });
  });

  it('a tiny Llama layer: embeddings to loss, every parameter', async () => {
    const [V, C, H, Hkv, D, I, B, T] = [11, 8, 2, 1, 4, 12, 2, 5];
    const G = H / Hkv;
    const shapes: Record<string, number[]> = {
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
    const names = Object.keys(shapes);
    const ids = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3];
    await gradCheck({
      name: 'tiny-llama',
      inputs: names.map((n) => ({ shape: shapes[n]!, init: n.startsWith('ln') || n === 'norm' ? ('positive' as const) : (i: number, rng) => 0.5 * rng.normal() })),
      aux: [
        { dtype: 'int64', shape: ['B', 'T'], feed: [B, T], values: ids },
        { dtype: 'int64', shape: ['B', 'T'], feed: [B, T], values: [...ids.slice(1), 0] },
      ],
      build: (g, xs, [tokens, targets]) => {
        const p = Object.fromEntries(names.map((n, i) => [n, xs[i]!])) as Record<string, Value>;
        const eps = 1e-6;
        let x = g.gather(p.embed!, tokens!); // [B, T, C]
        const { cos, sin } = nn.ropeTables(g, g.arange(0, 'T'), g.constant([1, 0.01], 'float64', [D / 2])); // [T, D]
        const mask = nn.causalMask(g, 'T', 0, 'float64'); // [T, T]
        const h = nn.rmsNorm(g, x, p.ln1!, eps);
        const heads = (w: Value, b: Value, n: number) => g.transpose(g.reshape(nn.linear(g, h, w, b), ['B', 'T', n, D]), [0, 2, 1, 3]); // [B, n, T, D]
        const q = nn.rotary(g, heads(p.q!, p.qb!, H), cos, sin);
        const k = nn.rotary(g, heads(p.k!, p.kb!, Hkv), cos, sin);
        const v = heads(p.v!, p.vb!, Hkv);
        const qg = g.reshape(q, ['B', Hkv, G, 'T', D]);
        const kt = g.unsqueeze(g.transpose(k, [0, 1, 3, 2]), 2); // [B, Hkv, 1, D, T]
        const probs = g.softmax(g.add(g.mul(g.matmul(qg, kt), 1 / Math.sqrt(D)), mask), -1); // [B, Hkv, G, T, T]
        const ctx = g.matmul(probs, g.unsqueeze(v, 2)); // [B, Hkv, G, T, D]
        const y = g.reshape(g.transpose(g.reshape(ctx, ['B', H, 'T', D]), [0, 2, 1, 3]), ['B', 'T', H * D]);
        x = g.add(x, nn.linear(g, y, p.o!));
        const h2 = nn.rmsNorm(g, x, p.ln2!, eps);
        x = g.add(x, nn.linear(g, g.mul(nn.silu(g, nn.linear(g, h2, p.gate!)), nn.linear(g, h2, p.up!)), p.down!));
        const logits = nn.linear(g, nn.rmsNorm(g, x, p.norm!, eps), p.embed!); // tied head
        return g.reduceMean(nn.softmaxCrossEntropy(g, logits, targets!));
      },
    });
  });
});
