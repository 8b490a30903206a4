// Reverse-mode autodiff over a list of ONNX nodes: given a scalar loss and the values to differentiate
// (parameters), appends the backward nodes to the same NodeBuilder, so one session runs both passes.
//   dL/dv = sum over consumers n of v of VJP_n(dL/d outputs(n))   (contributions summed with Sum)
// Only values on a path parameter -> loss get gradients: ids, constants and masks cost nothing.
import type { NodeBuilder } from '../onnx/builder';
import type { Initializer, ValueInfo } from '../onnx/encode';
import { Emitter } from './emitter';
import { NON_DIFFERENTIABLE, VJP_RULES, type AutodiffOptions } from './registry';
import { ShapeTable } from './shapes';

export interface BackwardResult {
  /** Parameter name -> the value holding dL/dparameter (same shape as the parameter). */
  grads: Map<string, string>;
  shapes: ShapeTable;
}

/**
 * @param inputs the graph inputs (static shapes), @param extraInitializers initializers not in `b`.
 * The forward part is everything in `b.nodes` now; `loss` must be a scalar ([] or [1]).
 */
export function appendBackward(b: NodeBuilder, inputs: readonly ValueInfo[], loss: string, params: readonly string[], options: AutodiffOptions = {}, extraInitializers: readonly Initializer[] = []): BackwardResult {
  const shapes = new ShapeTable(inputs, [...extraInitializers, ...b.initializers]);
  const forward = [...b.nodes];
  for (const node of forward) shapes.add(node);
  if (shapes.shape(loss).reduce((n, d) => n * d, 1) !== 1) throw new Error(`autodiff: loss "${loss}" must be a scalar, has shape [${shapes.shape(loss).join(',')}]`);

  // Values that depend on a parameter (forward sweep) and that the loss depends on (backward sweep).
  const needs = new Set(params);
  for (const n of forward) if (!NON_DIFFERENTIABLE.has(n.opType) && n.inputs.some((x) => needs.has(x))) for (const y of n.outputs) needs.add(y);
  const reaches = new Set([loss]);
  for (const n of [...forward].reverse()) if (n.outputs.some((y) => reaches.has(y))) for (const x of n.inputs) if (needs.has(x)) reaches.add(x);

  const e = new Emitter(b, shapes);
  const parts = new Map<string, string[]>([[loss, [e.reshape(e.scalar(1), shapes.shape(loss))]]]);
  const gradOf = (v: string): string | undefined => {
    const list = parts.get(v);
    if (!list?.length) return undefined;
    if (list.length > 1) parts.set(v, [e.op('Sum', list, {}, 'd_acc')]);
    return parts.get(v)![0];
  };

  for (const node of [...forward].reverse()) {
    if (!node.outputs.some((y) => reaches.has(y) && needs.has(y))) continue;
    const gy = node.outputs.map(gradOf);
    if (gy.every((g) => g === undefined)) continue;
    const rule = VJP_RULES[node.opType];
    if (!rule) throw new Error(`autodiff: no gradient rule for op ${node.opType} (node ${node.name ?? node.outputs[0]}); add one to autodiff/registry.ts`);
    const wants = node.inputs.map((x) => needs.has(x) && reaches.has(x));
    const gx = rule({ e, node, gy, wants, options });
    node.inputs.forEach((x, i) => {
      const g = gx[i];
      if (!wants[i] || g === undefined) return;
      const list = parts.get(x) ?? [];
      list.push(g);
      parts.set(x, list);
    });
  }
  const grads = new Map<string, string>();
  for (const p of params) grads.set(p, gradOf(p) ?? e.zeros(shapes.shape(p)));
  return { grads, shapes };
}
