// Vector-Jacobian rules of the elementwise ops. Binary ops broadcast, so each input's gradient is summed
// back to that input's shape (Emitter.sumTo). y is the forward output, gy = dL/dy.
import type { VjpRule } from '../registry';

export const elementwiseRules: Record<string, VjpRule> = {
  // y = a + b: da = gy, db = gy
  Add: ({ e, node, gy, wants }) => node.inputs.map((x, i) => (wants[i] ? e.sumTo(gy[0]!, e.shape(x)) : undefined)),
  // y = sum_i x_i: dx_i = gy
  Sum: ({ e, node, gy, wants }) => node.inputs.map((x, i) => (wants[i] ? e.sumTo(gy[0]!, e.shape(x)) : undefined)),
  // y = a - b: da = gy, db = -gy
  Sub: ({ e, node, gy, wants }) => {
    const [a, b] = node.inputs as [string, string];
    return [wants[0] ? e.sumTo(gy[0]!, e.shape(a)) : undefined, wants[1] ? e.sumTo(e.op('Neg', [gy[0]!]), e.shape(b)) : undefined];
  },
  // y = a * b: da = gy * b, db = gy * a
  Mul: ({ e, node, gy, wants }) => {
    const [a, b] = node.inputs as [string, string];
    return [wants[0] ? e.sumTo(e.op('Mul', [gy[0]!, b]), e.shape(a)) : undefined, wants[1] ? e.sumTo(e.op('Mul', [gy[0]!, a]), e.shape(b)) : undefined];
  },
  // y = a / b: da = gy / b, db = -gy * a / b^2 = -gy * y / b
  Div: ({ e, node, gy, wants }) => {
    const [a, b] = node.inputs as [string, string];
    const y = node.outputs[0]!;
    return [
      wants[0] ? e.sumTo(e.op('Div', [gy[0]!, b]), e.shape(a)) : undefined,
      wants[1] ? e.sumTo(e.op('Neg', [e.op('Div', [e.op('Mul', [gy[0]!, y]), b])]), e.shape(b)) : undefined,
    ];
  },
  // y = x^c, c a constant scalar: dx = gy * c * x^(c-1)
  Pow: ({ e, node, gy, wants }) => {
    const [x, exponent] = node.inputs as [string, string];
    if (wants[1]) throw new Error(`autodiff: Pow ${node.name}: gradient with respect to the exponent is not supported`);
    const c = e.shapes.floatScalar(exponent);
    if (c === undefined) throw new Error(`autodiff: Pow ${node.name}: the exponent must be a float scalar constant`);
    const dydx = c === 2 ? e.op('Mul', [x, e.scalar(2)]) : e.op('Mul', [e.op('Pow', [x, e.scalar(c - 1)]), e.scalar(c)]);
    return [e.sumTo(e.op('Mul', [gy[0]!, dydx]), e.shape(x))];
  },
  // y = -x: dx = -gy
  Neg: ({ e, gy }) => [e.op('Neg', [gy[0]!])],
  // y = sqrt(x): dx = gy / (2 y)
  Sqrt: ({ e, node, gy }) => [e.op('Div', [e.op('Mul', [gy[0]!, e.scalar(0.5)]), node.outputs[0]!])],
  // y = 1 / (1 + exp(-x)): dx = gy * y * (1 - y)
  Sigmoid: ({ e, node, gy }) => {
    const y = node.outputs[0]!;
    return [e.op('Mul', [gy[0]!, e.op('Mul', [y, e.op('Sub', [e.scalar(1), y])])])];
  },
  // y = exp(x): dx = gy * y
  Exp: ({ e, node, gy }) => [e.op('Mul', [gy[0]!, node.outputs[0]!])],
  // y = log(x): dx = gy / x
  Log: ({ e, node, gy }) => [e.op('Div', [gy[0]!, node.inputs[0]!])],
  // y = where(c, a, b): da = where(c, gy, 0), db = where(c, 0, gy); the condition has no gradient
  Where: ({ e, node, gy, wants }) => {
    const [c, a, b] = node.inputs as [string, string, string];
    const zero = e.scalar(0);
    return [
      undefined,
      wants[1] ? e.sumTo(e.op('Where', [c, gy[0]!, zero]), e.shape(a)) : undefined,
      wants[2] ? e.sumTo(e.op('Where', [c, zero, gy[0]!]), e.shape(b)) : undefined,
    ];
  },
  // y = x: dx = gy
  Identity: ({ gy }) => [gy[0]],
  // y = cast(x): dx = cast(gy) back to float (only float inputs carry gradients)
  Cast: ({ e, gy }) => [e.op('Cast', [gy[0]!], { to: { kind: 'int', value: 1 } })],
};
