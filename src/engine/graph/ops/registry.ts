// The one table of ops, keyed by name: each entry holds shape inference, the ONNX lowering and the VJP
// rule side by side (see types.ts OpDef). Composite ops (RMSNorm, SiLU, rotary: nn.ts) are built from
// these and need no entry of their own; softmax cross-entropy has a fused entry (loss.ts) for speed;
// inference.ts holds the inference-only ops (ONNX Runtime contrib ops), which have no VJP.
import type { OpDef } from '../types';
import { elementwiseOps } from './elementwise';
import { indexingOps } from './indexing';
import { inferenceOps } from './inference';
import { lossOps } from './loss';
import { reduceOps } from './reduce';
import { shapeOps } from './shape';

export const OPS = {
  ...elementwiseOps,
  ...reduceOps,
  ...shapeOps,
  ...indexingOps,
  ...lossOps,
  ...inferenceOps,
} satisfies Record<string, OpDef>;

export type OpName = keyof typeof OPS;

export function opDef(op: OpName): OpDef {
  return OPS[op] as OpDef;
}
