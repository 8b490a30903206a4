// Reverse-mode autodiff over the IR: walks the nodes before the output in reverse creation order (a
// reverse topological order) and applies each op's VJP rule from the registry, appending the backward
// nodes to the same graph, so forward and backward lower to one ONNX model and run in one session.
// Recompute regions (Graph.recompute, activation checkpointing): the first time the reverse walk reaches a
// node of a region, the region's forward is rebuilt from its inputs (replay), and the VJP rules of its nodes
// read the rebuilt activations instead of the first forward's, so those die as soon as the forward has used
// them. The graph's data dependencies alone must keep ONNX Runtime from undoing this: its common-subexpression
// elimination would merge a replay built on the same inputs back into the forward, and its scheduler may run
// any node as soon as its inputs exist. So each replay reads its inputs through a gate, x + 0 * s, where s is
// one element of each gradient the replay waits for: the gradient flowing into the region, and every gradient
// the previously replayed region produced. A replay is then a new expression (no merge), it cannot start
// before the backward pass reaches it, and regions are replayed one at a time, each after the last one's
// weight gradients exist (so none of their activations is kept for later).
import { dimEq, showShape } from './dims';
import type { Graph, Node, Value } from './ir';
import { opDef } from './ops/registry';
import { graphError, isFloat } from './types';

export interface GradOptions {
  /** d(output) to start from; default 1 (the output must then be a scalar). */
  seed?: Value;
}

/** One element of each value, times zero: a scalar 0 that cannot be computed before every value exists. */
function gateOf(g: Graph, values: readonly Value[]): Value {
  const picks = values.map((v) => {
    let one = v;
    for (let axis = 0; axis < v.rank; axis++) one = g.slice(one, axis, 0, 1);
    return v.rank === 0 ? v : g.reshape(one, []);
  });
  return g.mul(g.sum(picks), 0);
}

/**
 * Rebuilds a recompute region's nodes (in their order) on its inputs read through the gate: returns each
 * original node's clone. Inputs from outside the graph's nodes (weights, ids, constants) are read as they are;
 * integer activations are not gated (they carry no gradient, and the float inputs already order the replay).
 */
function replay(g: Graph, nodes: readonly Node[], gate: Value): Map<Node, Node> {
  const rebuilt = new Map<Value, Value>();
  const gated = (v: Value): Value => {
    let r = rebuilt.get(v);
    if (!r) {
      r = v.node && isFloat(v.dtype) ? g.add(v, v.dtype === gate.dtype ? gate : g.cast(gate, v.dtype)) : v;
      rebuilt.set(v, r);
    }
    return r;
  };
  const clones = new Map<Node, Node>();
  for (const node of nodes) {
    const outs = g.scope(node.scope ? `${node.scope}/recompute` : 'recompute', () => g.apply(node.op, node.inputs.map(gated), node.attrs));
    node.outputs.forEach((y, k) => rebuilt.set(y, outs[k]!));
    clones.set(node, outs[0]!.node!);
  }
  return clones;
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

  // Recompute regions' nodes, by region, in forward order.
  const regions = new Map<number, Node[]>();
  for (let i = 0; i <= end; i++) {
    const r = g.nodes[i]!.region;
    if (r !== undefined) regions.set(r, [...(regions.get(r) ?? []), g.nodes[i]!]);
  }
  // The replay of the region being differentiated, and the gradients its rules gave to values outside it.
  let replayed: { region: number; clones: Map<Node, Node>; leaving: Value[] } | undefined;

  // Pending contributions per value, summed the first time the value's gradient is read. A region's
  // contribution to a graph input (a weight) is added at once: weights' gradients are read only at the end,
  // and those of regions replayed one by one (a head computed in chunks) must not all stay alive until then.
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
      let ruleNode = node;
      if (node.region !== undefined) {
        if (replayed?.region !== node.region) {
          const waits = [...dy.filter((d) => d !== undefined), ...(replayed?.leaving ?? [])];
          replayed = { region: node.region, clones: replay(g, regions.get(node.region)!, gateOf(g, waits)), leaving: [] };
        }
        ruleNode = replayed.clones.get(node)!;
      }
      const dx = g.scope(node.scope ? `${node.scope}/grad` : 'grad', () => rule(g, ruleNode, dy, need));
      node.inputs.forEach((x, k) => {
        const d = dx[k];
        if (!need[k] || !d) return;
        if (d.dtype !== x.dtype || d.rank !== x.rank || !d.shape.every((s, j) => dimEq(s, x.shape[j]!))) {
          throw graphError(
            `grad: the ${node.op} rule gave ${d.dtype}${showShape(d.shape)} for input ${k} of type ${x.dtype}${showShape(x.shape)} (a bug in its VJP).`,
          );
        }
        const list = pending.get(x);
        let added = d;
        if (list && !x.node && node.region !== undefined) pending.set(x, [(added = g.add(g.sum(list), d))]);
        else if (list) list.push(d);
        else pending.set(x, [d]);
        // The next replay waits for this one's contributions to the world outside it, sums included.
        if (node.region !== undefined && x.node?.region !== node.region) replayed!.leaving.push(added);
      });
    }
  }
  return wrt.map((v) => total(v) ?? g.zeros(v.shape, v.dtype));
}
