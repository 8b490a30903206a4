// This machine's own matrix-multiply peak: ONNX Runtime's fp32 MatMul on 2048x2048, the yardstick that
// training FLOP rates are reported against.
import { encodeModel } from '../engine/graph/onnx/encode';
import { createSession, ort } from '../engine/runtime/ort';
import type { SuiteResult } from './report';
import { time } from './timing';

export async function matmulPeak(threads: number, n = 2048): Promise<{ gflops: number; suite: SuiteResult }> {
  const model = encodeModel({
    graph: {
      name: 'matmul_peak',
      nodes: [{ opType: 'MatMul', inputs: ['a', 'b'], outputs: ['c'] }],
      inputs: [
        { name: 'a', type: 'float32', shape: [n, n] },
        { name: 'b', type: 'float32', shape: [n, n] },
      ],
      outputs: [{ name: 'c', type: 'float32', shape: [n, n] }],
    },
  });
  const session = await createSession(model, { threads });
  const data = new Float32Array(n * n).map((_, i) => ((i * 2654435761) % 1000) / 1000 - 0.5);
  const a = new ort.Tensor('float32', data, [n, n]);
  const b = new ort.Tensor('float32', data, [n, n]);
  const t = await time(() => session.run({ a, b }), { warmup: 2, minRuns: 5, minMs: 2000 });
  await session.release();
  const gflops = (2 * n ** 3) / (t.medianMs / 1000) / 1e9;
  return {
    gflops,
    suite: { suite: 'machine', figures: [{ name: `MatMul ${n}x${n} fp32 (ONNX Runtime CPU)`, value: gflops, unit: 'GFLOP/s', note: `median of ${t.runs} runs` }] },
  };
}
