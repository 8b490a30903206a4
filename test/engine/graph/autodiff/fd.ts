// Finite-difference check of autodiff/ on ONNX Runtime CPU in float64: f = sum(r * y) for a small program
// y = build(inputs), r fixed pseudo-random; analytical gradients from appendBackward in the same session,
// numerical ones from central differences of f, entry by entry.
import { expect } from 'vitest';
import { appendBackward } from '../../../../src/engine/graph/autodiff/backward';
import { toFloat64 } from '../../../../src/engine/graph/autodiff/precision';
import type { AutodiffOptions } from '../../../../src/engine/graph/autodiff/registry';
import { ShapeTable } from '../../../../src/engine/graph/autodiff/shapes';
import { NodeBuilder } from '../../../../src/engine/graph/onnx/builder';
import { encodeModel, type ValueInfo } from '../../../../src/engine/graph/onnx/encode';
import { Rng } from '../../../../src/engine/model/rng';
import { createSession, ort } from '../../../../src/engine/runtime/ort';

export interface FdInput {
  shape: number[];
  /** 'positive' keeps values in [0.5, 1.5] (Sqrt, Log, Div, fractional Pow). */
  init?: 'normal' | 'positive';
}

export interface FdCase {
  name: string;
  inputs: FdInput[];
  build: (b: NodeBuilder, xs: string[]) => string;
  options?: AutodiffOptions;
}

export async function checkGradients(c: FdCase, h = 1e-5): Promise<void> {
  const rng = new Rng(7, c.name);
  const b = new NodeBuilder();
  const infos: ValueInfo[] = c.inputs.map((x, i) => ({ name: `x${i}`, type: 'float32', shape: x.shape }));
  const y = c.build(b, infos.map((v) => v.name));
  const shapes = new ShapeTable(infos, b.initializers);
  for (const n of b.nodes) shapes.add(n);
  const yShape = shapes.shape(y);
  const r = Array.from({ length: yShape.reduce((n, d) => n * d, 1) }, () => rng.uniform() * 2 - 1);
  const f = b.op('ReduceSum', [b.op('Mul', [y, b.float32s(r, yShape)])], { keepdims: { kind: 'int', value: 0 } });
  const { grads } = appendBackward(b, infos, f, infos.map((v) => v.name), c.options);
  b.opNamed('Identity', [f], ['f']);
  const outputs: ValueInfo[] = [{ name: 'f', type: 'float32', shape: [] }];
  infos.forEach((v, i) => {
    b.opNamed('Identity', [grads.get(v.name)!], [`g${i}`]);
    outputs.push({ name: `g${i}`, type: 'float32', shape: v.shape });
  });
  const session = await createSession(encodeModel({ graph: toFloat64(b.graph(c.name, infos, outputs)) }), { threads: 1 });
  const values = c.inputs.map((x) =>
    Float64Array.from({ length: x.shape.reduce((n, d) => n * d, 1) }, () => (x.init === 'positive' ? 0.5 + rng.uniform() : rng.uniform() * 2 - 1)),
  );
  const feeds = (): Record<string, ort.Tensor> => Object.fromEntries(values.map((v, i) => [`x${i}`, new ort.Tensor('float64', v, c.inputs[i]!.shape)]));
  const out = await session.run(feeds());
  const fAt = async (): Promise<number> => ((await session.run(feeds(), ['f'])).f!.data as Float64Array)[0]!;
  let checked = 0;
  for (const [i, v] of values.entries()) {
    const analytic = out[`g${i}`]!.data as Float64Array;
    for (let k = 0; k < v.length; k++) {
      const old = v[k]!;
      v[k] = old + h;
      const up = await fAt();
      v[k] = old - h;
      const down = await fAt();
      v[k] = old;
      const numeric = (up - down) / (2 * h);
      const a = analytic[k]!;
      if (Math.abs(numeric - a) > 1e-7 + 1e-6 * Math.abs(a)) expect.fail(`${c.name}: d f / d x${i}[${k}] analytic ${a} vs finite difference ${numeric}`);
      checked++;
    }
  }
  expect(checked).toBeGreaterThan(0);
  // A rule that returned zeros would pass where f does not depend on x; make sure some gradient is not zero.
  expect(values.some((_, i) => (out[`g${i}`]!.data as Float64Array).some((g) => Math.abs(g) > 1e-3))).toBe(true);
  await session.release();
}
