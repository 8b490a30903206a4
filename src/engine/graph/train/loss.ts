// Mean next-token cross-entropy over [B, T]: loss = mean_{b,t} (logsumexp_v logits[b,t,v] - logits[b,t,target[b,t]]).
import { attr, type NodeBuilder } from '../onnx/builder';

/** @param logits [B, T, V] float, @param targets [B, T] int64. Returns the scalar loss value name ([]). */
export function emitCrossEntropy(b: NodeBuilder, logits: string, targets: string): string {
  const lse = b.op('ReduceLogSumExp', [logits, b.int64s([-1])], { keepdims: attr.int(1) }, 'lse'); // [B, T, 1]
  const picked = b.op('GatherElements', [logits, b.op('Unsqueeze', [targets, b.int64s([-1])])], { axis: attr.int(-1) }, 'picked'); // [B, T, 1]
  return b.op('ReduceMean', [b.op('Sub', [lse, picked], {}, 'nll')], { keepdims: attr.int(0) }, 'loss'); // []
}
