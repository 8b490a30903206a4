// Elementwise ops with NumPy broadcasting, each with its VJP right below its lowering. Binary VJPs end
// in sumTo, which sums the gradient over the axes an input was broadcast along.
import { broadcastShapes } from '../dims';
import type { Graph, Node, Value } from '../ir';
import { OnnxType } from '../onnx/encode';
import { graphError, isFloat, type OpDef } from '../types';
import { like, onnx, requireFloat, sameDtype, sumTo } from './helpers';

type Dy = readonly (Value | undefined)[];

const binary = (xs: readonly Value[]) => [{ dtype: sameDtype(xs), shape: broadcastShapes(xs.map((x) => x.shape)) }];
const unary = ([x]: readonly Value[]) => {
  requireFloat(x!);
  return like(x!);
};
const compare = (xs: readonly Value[]) => [{ dtype: 'bool' as const, shape: (sameDtype(xs), broadcastShapes(xs.map((x) => x.shape))) }];

/** A unary float op whose VJP is dy * f'(x), written in terms of x and y = f(x). */
function pointwise(opType: string, dfdx: (g: Graph, dy: Value, x: Value, y: Value) => Value): OpDef {
  return { infer: unary, lower: onnx(opType), vjp: (g, n, [dy]) => [dfdx(g, dy!, n.inputs[0]!, n.outputs[0]!)] };
}

/** Binary VJP: each needed input gets its partial, summed back to its own shape. */
function binaryVjp(partials: (g: Graph, dy: Value, a: Value, b: Value, y: Value) => [() => Value, () => Value]) {
  return (g: Graph, n: Node, [dy]: Dy, needs: readonly boolean[]) => {
    const [a, b] = n.inputs as [Value, Value];
    const [da, db] = partials(g, dy!, a, b, n.outputs[0]!);
    return [needs[0] ? sumTo(g, da(), a.shape) : undefined, needs[1] ? sumTo(g, db(), b.shape) : undefined];
  };
}

/** Where a max/min picks input a: 1, b: 0, ties: 1/2 (as PyTorch splits it). */
function pickWeight(g: Graph, a: Value, b: Value, wins: Value): Value {
  return g.where(g.equal(a, b), g.scalar(0.5, a.dtype), g.where(wins, g.scalar(1, a.dtype), g.scalar(0, a.dtype)));
}

export const elementwiseOps = {
  add: { infer: binary, lower: onnx('Add'), vjp: binaryVjp((_g, dy) => [() => dy, () => dy]) },
  sub: { infer: binary, lower: onnx('Sub'), vjp: binaryVjp((g, dy) => [() => dy, () => g.neg(dy)]) },
  mul: { infer: binary, lower: onnx('Mul'), vjp: binaryVjp((g, dy, a, b) => [() => g.mul(dy, b), () => g.mul(dy, a)]) },
  // d(a/b)/db = -a/b^2 = -y/b
  div: {
    infer: binary,
    lower: onnx('Div'),
    vjp: binaryVjp((g, dy, _a, b, y) => [() => g.div(dy, b), () => g.neg(g.div(g.mul(dy, y), b))]),
  },
  max: {
    infer: binary,
    lower: onnx('Max'),
    vjp: binaryVjp((g, dy, a, b) => {
      const w = (): Value => g.mul(dy, pickWeight(g, a, b, g.greater(a, b)));
      return [w, () => g.sub(dy, w())];
    }),
  },
  min: {
    infer: binary,
    lower: onnx('Min'),
    vjp: binaryVjp((g, dy, a, b) => {
      const w = (): Value => g.mul(dy, pickWeight(g, a, b, g.less(a, b)));
      return [w, () => g.sub(dy, w())];
    }),
  },
  /** x ** p, p a scalar constant (its own gradient is not supported). */
  pow: {
    infer: (xs) => {
      requireFloat(xs[0]!);
      if (xs[1]!.rank !== 0) throw graphError('the exponent must be a scalar.');
      return binary(xs);
    },
    lower: onnx('Pow'),
    vjp: (g, n, [dy], needs) => {
      const [x, p] = n.inputs as [Value, Value];
      if (needs[1]) throw graphError('pow: the gradient with respect to the exponent is not supported; use exp(p * log(x)).');
      const e = p.source.kind === 'initializer' ? p.source.scalar : undefined;
      if (e === undefined) throw graphError('pow: the exponent must be a scalar constant (g.pow(x, 2)).');
      const xe = e === 2 ? x : g.pow(x, e - 1); // d/dx x^e = e x^(e-1)
      return [g.mul(dy!, g.mul(xe, e))];
    },
  },
  neg: pointwise('Neg', (g, dy) => g.neg(dy)),
  sqrt: pointwise('Sqrt', (g, dy, _x, y) => g.div(g.mul(dy, 0.5), y)),
  reciprocal: pointwise('Reciprocal', (g, dy, _x, y) => g.neg(g.mul(dy, g.mul(y, y)))),
  exp: pointwise('Exp', (g, dy, _x, y) => g.mul(dy, y)),
  log: pointwise('Log', (g, dy, x) => g.div(dy, x)),
  sigmoid: pointwise('Sigmoid', (g, dy, _x, y) => g.mul(dy, g.mul(y, g.sub(1, y)))),
  tanh: pointwise('Tanh', (g, dy, _x, y) => g.mul(dy, g.sub(1, g.mul(y, y)))),
  sin: pointwise('Sin', (g, dy, x) => g.mul(dy, g.cos(x))),
  cos: pointwise('Cos', (g, dy, x) => g.neg(g.mul(dy, g.sin(x)))),
  /** n-ary sum with broadcasting (ONNX Sum): one pass where a chain of adds would make n - 1. */
  sum: {
    infer: binary,
    lower: onnx('Sum'),
    vjp: (g, n, [dy], needs) => n.inputs.map((x, i) => (needs[i] ? sumTo(g, dy!, x.shape) : undefined)),
  },
  identity: { infer: ([x]) => like(x!), lower: onnx('Identity'), vjp: (_g, _n, [dy]) => [dy] },
  cast: {
    infer: ([x], a: { to: Value['dtype'] }) => [{ dtype: a.to, shape: x!.shape }],
    lower: onnx('Cast', (n) => ({ to: { kind: 'int', value: OnnxType[n.attrs.to as Value['dtype']] } })),
    vjp: (g, n, [dy]) => [isFloat(n.inputs[0]!.dtype) ? g.cast(dy!, n.inputs[0]!.dtype) : undefined],
  } satisfies OpDef<{ to: Value['dtype'] }>,
  where: {
    infer: (xs) => {
      if (xs[0]!.dtype !== 'bool') throw graphError(`the condition must be bool, got ${xs[0]!.dtype}.`);
      return [{ dtype: sameDtype(xs.slice(1)), shape: broadcastShapes(xs.map((x) => x.shape)) }];
    },
    lower: onnx('Where'),
    vjp: (g, n, [dy], needs) => {
      const [c, a, b] = n.inputs as [Value, Value, Value];
      const zero = g.scalar(0, dy!.dtype);
      return [
        undefined,
        needs[1] ? sumTo(g, g.where(c, dy!, zero), a.shape) : undefined,
        needs[2] ? sumTo(g, g.where(c, zero, dy!), b.shape) : undefined,
      ];
    },
  },
  equal: { infer: compare, lower: onnx('Equal') },
  less: { infer: compare, lower: onnx('Less') },
  greater: { infer: compare, lower: onnx('Greater') },
} satisfies Record<string, OpDef>;
