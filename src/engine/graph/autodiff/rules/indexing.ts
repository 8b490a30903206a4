// Vector-Jacobian rules of the gathers: the gradient is scattered back and added where an index repeats.
//   Gather(axis 0) y[i..., :] = table[ids[i...], :]:  dtable = scatter_add(zeros, ids, gy)
//   GatherElements y = x[..., idx[...], ...] on one axis: dx = scatter_elements_add(zeros, idx, gy)
// Indices carry no gradient. The embedding gradient is ScatterND(reduction='add') by default; 'onehot'
// forms onehot(ids)^T @ gy instead (one MatMul of [V, N] x [N, C]).
import { attr } from '../../onnx/builder';
import type { VjpRule } from '../registry';

export const indexingRules: Record<string, VjpRule> = {
  Gather: ({ e, node, gy, options }) => {
    const [table, ids] = node.inputs as [string, string];
    const a = node.attributes?.axis;
    if (a?.kind === 'int' && a.value !== 0) throw new Error(`autodiff: Gather ${node.name}: only axis 0 (embedding lookup) has a gradient rule`);
    const shape = e.shape(table); // [V, C...]
    const idx = e.op('Cast', [ids], { to: attr.int(7) }); // int64
    if (options.embeddingGrad === 'onehot' && shape.length === 2) {
      const [V, C] = shape as [number, number];
      const n = e.shape(ids).reduce((p, d) => p * d, 1);
      const hot = e.op('OneHot', [e.reshape(idx, [n]), e.ints([V]), e.ints([0, 1])], { axis: attr.int(-1) }); // [N, V] int64
      const onehot = e.op('Cast', [hot], { to: attr.int(1) });
      return [e.op('MatMul', [e.transposeLast(onehot), e.reshape(gy[0]!, [n, C])]), undefined]; // [V, C]
    }
    const indices = e.op('Unsqueeze', [idx, e.ints([-1])]); // [..., 1]
    return [e.op('ScatterND', [e.zeros(shape), indices, gy[0]!], { reduction: { kind: 'string', value: 'add' } }), undefined];
  },
  GatherElements: ({ e, node, gy }) => {
    const [x, idx] = node.inputs as [string, string];
    const a = node.attributes?.axis;
    const axis = a?.kind === 'int' ? a.value : 0;
    const scattered = e.op('ScatterElements', [e.zeros(e.shape(x)), idx, gy[0]!], { axis: attr.int(axis), reduction: { kind: 'string', value: 'add' } });
    return [scattered, undefined];
  },
};
