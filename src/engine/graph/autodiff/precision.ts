// Widens a float32 graph to float64 (inputs, outputs, initializers, Cast targets, constant tensors), for
// gradient checks against finite differences where float32 rounding would swamp the comparison.
import type { AttributeValue, Initializer, OnnxGraph, OnnxNode, ValueInfo } from '../onnx/encode';

function widen(init: Initializer): Initializer {
  if (init.type !== 'float32' || !(init.data instanceof Uint8Array)) return init;
  const f32 = new Float32Array(init.data.buffer.slice(init.data.byteOffset, init.data.byteOffset + init.data.byteLength));
  return { ...init, type: 'float64', data: new Uint8Array(Float64Array.from(f32).buffer) };
}

function widenAttr(a: AttributeValue): AttributeValue {
  if (a.kind === 'tensor') return { kind: 'tensor', value: widen(a.value) };
  return a;
}

function widenNode(n: OnnxNode): OnnxNode {
  const attributes: Record<string, AttributeValue> = {};
  for (const [k, a] of Object.entries(n.attributes ?? {})) attributes[k] = n.opType === 'Cast' && k === 'to' && a.kind === 'int' && a.value === 1 ? { kind: 'int', value: 11 } : widenAttr(a);
  return { ...n, attributes };
}

const widenInfo = (v: ValueInfo): ValueInfo => (v.type === 'float32' ? { ...v, type: 'float64' } : v);

export function toFloat64(g: OnnxGraph): OnnxGraph {
  return {
    ...g,
    nodes: g.nodes.map(widenNode),
    inputs: g.inputs.map(widenInfo),
    outputs: g.outputs.map(widenInfo),
    initializers: (g.initializers ?? []).map(widen),
    ...(g.valueInfo ? { valueInfo: g.valueInfo.map(widenInfo) } : {}),
  };
}
