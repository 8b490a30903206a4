// This machine's own matrix-multiply peak, the yardstick that FLOP rates (MFU) are reported against: ONNX
// Runtime's fp32 MatMul on several large shapes (square, and the tall-skinny ones a Llama's projections
// and head make), the best run of each, and the best shape. A median of one shape under-measured it and let
// scoring read 106-150 % "of the peak"; a peak is what the machine can do at best, so it is the best seen.
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
  [4096, 128, 8192], // the tiny shape's head
];

async function bestGflops([m, k, n]: [number, number, number], threads: number, quick: boolean): Promise<{ gflops: number; runs: number }> {
  const model = encodeModel({
    graph: {
      name: 'matmul_peak',
      nodes: [{ opType: 'MatMul', inputs: ['a', 'b'], outputs: ['c'] }],
      inputs: [
        { name: 'a', type: 'float32', shape: [m, k] },
        { name: 'b', type: 'float32', shape: [k, n] },
      ],
      outputs: [{ name: 'c', type: 'float32', shape: [m, n] }],
    },
  });
  const session = await createSession(model, { threads });
  const fill = (len: number) => new Float32Array(len).map((_, i) => ((i * 2654435761) % 1000) / 1000 - 0.5);
  const a = new ort.Tensor('float32', fill(m * k), [m, k]);
  const b = new ort.Tensor('float32', fill(k * n), [k, n]);
  const t = await time(() => session.run({ a, b }), { warmup: 2, minRuns: quick ? 3 : 8, minMs: quick ? 300 : 1500 });
  await session.release();
  return { gflops: (2 * m * k * n) / (t.minMs / 1000) / 1e9, runs: t.runs };
}

export async function matmulPeak(threads: number, quick = false): Promise<{ gflops: number; suite: SuiteResult }> {
  const figures: Figure[] = [];
  let best = 0;
  for (const shape of quick ? SHAPES.slice(1, 2) : SHAPES) {
    const r = await bestGflops(shape, threads, quick);
    best = Math.max(best, r.gflops);
    figures.push({ name: `MatMul ${shape.join('x')} fp32 (ONNX Runtime CPU)`, value: r.gflops, unit: 'GFLOP/s', note: `best of ${r.runs} runs` });
  }
  figures.push({ name: 'MatMul peak (best shape, best run)', value: best, unit: 'GFLOP/s', note: 'the yardstick of every "% of the MatMul peak" in this report' });
  return { gflops: best, suite: { suite: 'machine', figures } };
}
