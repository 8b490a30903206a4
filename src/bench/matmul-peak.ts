// This machine's own matrix-multiply peak, the yardstick that FLOP rates (MFU) are reported against: ONNX
// Runtime's fp32 MatMul on several large shapes (square, and the tall-skinny ones a Llama's projections
// and head make), the best run of each, and the best shape. A median of one shape under-measured it and let
// scoring read 106-150 % "of the peak"; a peak is what the machine can do at best, so it is the best seen.
// Each run multiplies a chain of CHAIN products (A B, then that times B^T, and so on) inside one graph, as a
// model's layers do: one product per run spent 8-10 % of its time allocating and handing back a fresh output
// (25 MB for the 135M shape), which a model's intermediate results never pay, and the score of the 135M shape
// read 107 % of that peak. The B side is a constant initializer, as a model's weights are: ONNX Runtime packs a
// constant B once at load, and a graph input B at every run (on the 135M head's shape that cost a fifth of the
// rate, and let the 135M score read 104 % of a peak measured with B as an input).
import { encodeModel } from '../engine/graph/onnx/encode';
import { createSession, ort } from '../engine/runtime/ort';
import type { Figure, SuiteResult } from './report';
import { time } from './timing';

/** [M, K, N]: C[M, N] = A[M, K] B[K, N]. */
const SHAPES: [number, number, number][] = [
  [1024, 1024, 1024],
  [2048, 2048, 2048],
  [3072, 3072, 3072],
  [4096, 576, 1536], // a 135M-shape MLP projection over 16 x 256 positions
  [1024, 576, 3072], // the 135M shape's fused gate and up projections over its 4 x 256 scored positions
  [1024, 576, 49152], // the 135M shape's head over the same positions
  [4096, 128, 8192], // the tiny shape's head
];

/** Products per run (even, so the chain ends where it started: [M, K]). */
const CHAIN = 8;

async function bestGflops([m, k, n]: [number, number, number], threads: number, quick: boolean): Promise<{ gflops: number; runs: number }> {
  // x_{i+1} = x_i B (i even) or x_i B^T (i odd): [M, K] -> [M, N] -> [M, K] ...
  const nodes = Array.from({ length: CHAIN }, (_, i) => ({
    opType: 'MatMul',
    inputs: [i === 0 ? 'a' : `x${i}`, i % 2 === 0 ? 'b' : 'bt'],
    outputs: [i === CHAIN - 1 ? 'c' : `x${i + 1}`],
  }));
  // Uniform in [-0.5, 0.5) scaled by sqrt(12 / width): each product keeps its values near unit size (no
  // overflow to infinity, no denormals), whatever the chain's length.
  const fill = (len: number, width: number) =>
    new Float32Array(len).map((_, i) => ((((i * 2654435761) % 1000) / 1000 - 0.5) * Math.sqrt(12)) / Math.sqrt(width));
  const constant = (name: string, dims: [number, number], width: number) => {
    const values = fill(dims[0] * dims[1], width);
    return { name, type: 'float32' as const, dims, data: new Uint8Array(values.buffer) };
  };
  const model = encodeModel({
    graph: {
      name: 'matmul_peak',
      nodes,
      inputs: [{ name: 'a', type: 'float32', shape: [m, k] }],
      outputs: [{ name: 'c', type: 'float32', shape: [m, k] }],
      initializers: [constant('b', [k, n], k), constant('bt', [n, k], n)],
    },
  });
  const session = await createSession(model, { threads });
  const a = new ort.Tensor('float32', fill(m * k, 1), [m, k]);
  const t = await time(() => session.run({ a }), { warmup: 2, minRuns: quick ? 3 : 8, minMs: quick ? 300 : 1500 });
  await session.release();
  return { gflops: (CHAIN * 2 * m * k * n) / (t.minMs / 1000) / 1e9, runs: t.runs };
}

export async function matmulPeak(threads: number, quick = false): Promise<{ gflops: number; suite: SuiteResult }> {
  const figures: Figure[] = [];
  let best = 0;
  for (const shape of quick ? SHAPES.slice(1, 2) : SHAPES) {
    const r = await bestGflops(shape, threads, quick);
    best = Math.max(best, r.gflops);
    figures.push({
      name: `MatMul ${shape.join('x')} fp32 (ONNX Runtime CPU)`,
      value: r.gflops,
      unit: 'GFLOP/s',
      note: `best of ${r.runs} runs of a chain of ${CHAIN} products, B a constant`,
    });
  }
  figures.push({
    name: 'MatMul peak (best shape, best run)',
    value: best,
    unit: 'GFLOP/s',
    note: 'the yardstick of every "% of the MatMul peak" in this report',
  });
  return { gflops: best, suite: { suite: 'machine', figures } };
}
