// Finite-difference gradient checks on onnxruntime-node (CPU): f = sum_k sum(r_k * y_k) for the outputs
// y_k of a small program, r_k fixed pseudo-random weights built in the graph (so named dims work too);
// analytical gradients come from grad() in the same ONNX session, numerical ones from central differences.
import { expect } from 'vitest';
import { grad, Graph, encodeGraph, type Dim, type DType, type Value } from '../../../src/engine/graph';
import { Rng } from '../../../src/engine/model/rng';
import { createSession, ort } from '../../../src/engine/runtime/ort';

export type Init = 'normal' | 'positive' | 'distinct' | ((i: number, rng: Rng) => number);

export interface InputSpec {
  /** Declared shape (numbers or names). */
  shape: Dim[];
  /** Shape fed at run time; default: shape, which must then be numeric. */
  feed?: number[];
  init?: Init;
}

export interface AuxInput {
  dtype: DType;
  shape: Dim[];
  feed: number[];
  values: number[];
}

export interface GradCase {
  name: string;
  inputs: InputSpec[];
  aux?: AuxInput[];
  build: (g: Graph, xs: Value[], aux: Value[]) => Value | Value[];
  dtype?: 'float64' | 'float32';
  /** Central-difference step; default 1e-5 (float64), 1e-2 (float32). */
  eps?: number;
  /** |analytic - numeric| <= tol * (1 + |numeric|); default 1e-8 (float64), 2e-3 (float32). */
  tol?: number;
  seed?: number;
  /** Check at most this many entries per input (a seeded sample, first and last always in); default all. */
  sample?: number;
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

function values(n: number, init: Init, rng: Rng): number[] {
  if (typeof init === 'function') return Array.from({ length: n }, (_, i) => init(i, rng));
  if (init === 'positive') return Array.from({ length: n }, () => 0.5 + 1.5 * rng.uniform());
  if (init === 'distinct') {
    // A shuffled grid with gaps of 0.1: no ties, and no perturbation can reorder two values.
    const v = Array.from({ length: n }, (_, i) => (i - n / 2) * 0.1 + 0.01 * rng.uniform());
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rng.uniform() * (i + 1));
      [v[i], v[j]] = [v[j]!, v[i]!];
    }
    return v;
  }
  return Array.from({ length: n }, () => rng.normal());
}

function entries(n: number, sample: number | undefined, rng: Rng): number[] {
  if (sample === undefined || sample >= n) return Array.from({ length: n }, (_, j) => j);
  const picked = new Set([0, n - 1]);
  while (picked.size < sample) picked.add(Math.floor(rng.uniform() * n));
  return [...picked].sort((a, b) => a - b);
}

/** sum_k sum(r_k * y_k), r_k = sin(1.37 * index + 0.61 * k + 0.3): fixed, irregular, any shape. */
function objective(g: Graph, ys: readonly Value[]): Value {
  const terms = ys.map((y, k) => {
    const n = y.shape.reduce<Dim>((a, d) => (typeof a === 'number' && typeof d === 'number' ? a * d : `${a}*${d}`), 1);
    const idx = g.reshape(g.arange(0, n, y.dtype), y.shape);
    const r = g.sin(g.add(g.mul(idx, 1.37), 0.61 * k + 0.3));
    return g.reduceSum(g.mul(r, y));
  });
  return g.sum(terms);
}

export interface GradReport {
  name: string;
  elements: number;
  maxError: number;
  f: number;
}

/** Builds the case, checks every input element's gradient, and returns the largest normalised error. */
export async function gradCheck(c: GradCase): Promise<GradReport> {
  const dtype = c.dtype ?? 'float64';
  const eps = c.eps ?? (dtype === 'float64' ? 1e-5 : 1e-2);
  const tol = c.tol ?? (dtype === 'float64' ? 1e-8 : 2e-3);
  const rng = new Rng(c.seed ?? 7, c.name);
  const g = new Graph(`gradcheck_${c.name}`);
  const xs = c.inputs.map((s, i) => g.input(`x${i}`, dtype, s.shape));
  const aux = (c.aux ?? []).map((a, i) => g.input(`aux${i}`, a.dtype, a.shape));
  const built = c.build(g, xs, aux);
  const ys = (Array.isArray(built) ? built : [built]).filter((y) => y.dtype === dtype);
  const f = objective(g, ys);
  const grads = grad(f, xs);
  g.output('f', f);
  grads.forEach((d, i) => g.output(`grad${i}`, d));
  const session = await createSession(encodeGraph(g));

  const Arr = dtype === 'float64' ? Float64Array : Float32Array;
  const data = c.inputs.map((s, i) => {
    const shape = s.feed ?? (s.shape as number[]);
    return { shape, array: Arr.from(values(size(shape), s.init ?? 'normal', rng)), name: `x${i}` };
  });
  const feeds: Record<string, ort.Tensor> = {};
  for (const d of data) feeds[d.name] = new ort.Tensor(dtype, d.array, d.shape);
  (c.aux ?? []).forEach((a, i) => {
    feeds[`aux${i}`] =
      a.dtype === 'int64'
        ? new ort.Tensor('int64', BigInt64Array.from(a.values.map(BigInt)), a.feed)
        : a.dtype === 'bool'
          ? new ort.Tensor('bool', Uint8Array.from(a.values), a.feed)
          : new ort.Tensor(a.dtype as 'float32', Float32Array.from(a.values), a.feed);
  });
  const base = await session.run(feeds);
  const evalF = async (): Promise<number> => Number((await session.run(feeds, ['f'])).f!.data[0]);

  let maxError = 0;
  const failures: string[] = [];
  for (let i = 0; i < data.length; i++) {
    const { array, shape } = data[i]!;
    const analytic = base[`grad${i}`]!;
    expect(analytic.dims, `${c.name}: grad${i} shape`).toEqual(shape);
    for (const j of entries(array.length, c.sample, rng)) {
      const x0 = array[j]!;
      array[j] = x0 + eps;
      const fp = await evalF();
      array[j] = x0 - eps;
      const fm = await evalF();
      array[j] = x0;
      const numeric = (fp - fm) / (2 * eps);
      const a = Number(analytic.data[j]);
      const err = Math.abs(a - numeric) / (1 + Math.abs(numeric));
      if (!(err <= maxError)) maxError = err; // NaN-sticky
      if (!(err <= tol) && failures.length < 8) failures.push(`x${i}[${j}]: analytic ${a}, numeric ${numeric}`);
    }
  }
  session.release?.();
  expect(failures, `${c.name}: gradients off by up to ${maxError} (tolerance ${tol})`).toEqual([]);
  return {
    name: c.name,
    elements: data.reduce((n, d) => n + Math.min(d.array.length, c.sample ?? Infinity), 0),
    maxError,
    f: Number(base.f!.data[0]),
  };
}
