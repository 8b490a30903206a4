// Reverse-mode autodiff over the IR: walks the nodes before the output in reverse creation order (a
// reverse topological order) and applies each op's VJP rule from the registry, appending the backward
// nodes to the same graph, so forward and backward lower to one ONNX model and run in one session.
import { dimEq, showShape } from './dims';
import type { Value } from './ir';
import { opDef } from './ops/registry';
import { graphError, isFloat } from './types';

export interface GradOptions {
  /** d(output) to start from; default 1 (the output must then be a scalar). */
  seed?: Value;
}

/**
 * Gradients of `output` with respect to each of `wrt`, as new values in the same graph. Values `output`
 * does not depend on get zeros. Only nodes between `wrt` and `output` get backward work; a value used
 * several times gets its gradient contributions added in one Sum.
 */
export function grad(output: Value, wrt: readonly Value[], o: GradOptions = {}): Value[] {
  const g = output.graph;
  if (!isFloat(output.dtype)) throw graphError(`grad: ${output} is not floating point.`);
  if (!o.seed && output.rank !== 0) throw graphError(`grad: ${output} is not a scalar; reduce it first or pass a seed of its shape.`);
  for (const v of wrt) if (!isFloat(v.dtype)) throw graphError(`grad: cannot differentiate with respect to ${v} (not floating point).`);

  // Values that depend on some wrt value through float paths: only they need gradients.
  const needs = new Set<Value>(wrt);
  const end = output.node ? output.node.index : -1;
  for (let i = 0; i <= end; i++) {
    const node = g.nodes[i]!;
    if (node.inputs.some((v) => needs.has(v))) for (const y of node.outputs) if (isFloat(y.dtype)) needs.add(y);
  }

  // Pending contributions per value, summed the first time the value's gradient is read.
  const pending = new Map<Value, Value[]>([[output, [o.seed ?? g.scalar(1, output.dtype)]]]);
  const total = (v: Value): Value | undefined => {
    const parts = pending.get(v);
    if (!parts) return undefined;
    const sum = g.sum(parts);
    pending.set(v, [sum]);
    return sum;
  };

  if (needs.has(output)) {
    for (let i = end; i >= 0; i--) {
      const node = g.nodes[i]!;
      const dy = node.outputs.map(total);
      if (dy.every((d) => d === undefined)) continue;
      const need = node.inputs.map((v) => needs.has(v));
      if (!need.some(Boolean)) continue;
      const def = opDef(node.op);
      const rule = def.vjp;
      if (def.inferenceOnly) {
        throw graphError(
          `grad: op ${node.op} (${node.outputs[0]}) is inference-only (${def.inferenceOnly}); build a graph to differentiate from the plain-op forms (no fused attention, norm or cache).`,
        );
      }
      if (!rule) throw graphError(`grad: op ${node.op} (${node.outputs[0]}) has no VJP rule, and a gradient must flow through it.`);
      const dx = g.scope(node.scope ? `${node.scope}/grad` : 'grad', () => rule(g, node, dy, need));
      node.inputs.forEach((x, k) => {
        const d = dx[k];
        if (!need[k] || !d) return;
        if (d.dtype !== x.dtype || d.rank !== x.rank || !d.shape.every((s, j) => dimEq(s, x.shape[j]!))) {
          throw graphError(
            `grad: the ${node.op} rule gave ${d.dtype}${showShape(d.shape)} for input ${k} of type ${x.dtype}${showShape(x.shape)} (a bug in its VJP).`,
          );
        }
        const list = pending.get(x);
        if (list) list.push(d);
        else pending.set(x, [d]);
      });
    }
  }
  return wrt.map((v) => total(v) ?? g.zeros(v.shape, v.dtype));
}
