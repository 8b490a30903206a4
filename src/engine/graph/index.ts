// Grove's graph layer: build tensor programs in TypeScript, differentiate them, lower them to ONNX.
//
//   import { Graph, grad, encodeGraph, nn } from '../graph';
//
//   const g = new Graph('tiny_train');                       // its name names dumped files
//   const x = g.input('x', 'float32', ['B', 'T', 64]);       // dims: numbers or names ('B', 'B*T', 'P+S')
//   const ids = g.input('ids', 'int64', ['B', 'T']);
//   const w = g.input('w', 'float32', [32, 64]);             // trainable weights are inputs; frozen ones
//                                                            // may be g.initializer(name, dtype, dims,
//                                                            // bytes | { location, offset, length })
//   const h = g.scope('mlp', () => nn.silu(g, nn.linear(g, x, w)));   // [B, T, 32]; scopes name values
//   const loss = g.reduceMean(g.mul(h, h)).named('loss');   // numbers lift to scalars: g.mul(h, 0.5)
//   const [dw] = grad(loss, [w]);                            // backward nodes appended to g
//   g.output('loss', loss); g.output('grad.w', dw);
//   const bytes = encodeGraph(g);                            // .onnx bytes for runtime/ort createSession
//
// - Shapes are inferred as each op is added; a mismatch throws GroveError('bad_input') naming the op,
//   the scope and the input shapes. Broadcasting is NumPy's, but a named dim only matches itself or 1.
//   Named dims are polynomials ('B*T' from a reshape, 'P+S' from a concat, 'T-1' from a slice); slice
//   bounds on a named dim are taken to be in range.
// - Ops (methods of Graph): add sub mul div maximum minimum pow neg sqrt reciprocal exp log sigmoid tanh
//   sin cos sum identity cast | equal less greater where | matmul | reduceSum reduceMean reduceMax
//   reduceLogSumExp softmax logSoftmax softmaxCrossEntropy (fused) | gather gatherElements scatterNDAdd
//   scatterElementsAdd | reshape transpose concat slice split unsqueeze squeeze expand pad | arange full
//   zeros size (a named dim's run-time value) | constant scalar | inference only (no VJP; grad refuses them
//   by name): groupQueryAttention skipRmsNorm (ONNX Runtime contrib ops, com.microsoft) sliceRange.
// - Composites (nn.ts), no rules of their own: silu, rmsNorm, linear, ropeTables, rotary, causalMask.
// - grad(output, wrt, { seed }) returns one gradient per wrt value (zeros where output does not depend
//   on it); only nodes between wrt and output get backward work; fan-out is summed in one Sum node.
//   g.recompute(() => ...) builds a recompute region: grad rebuilds its activations for the backward pass
//   instead of keeping them (activation checkpointing; autodiff.ts says how ONNX Runtime is kept from
//   undoing it).
// - lowerGraph(g) -> OnnxModel (onnx/encode.ts); encodeGraph(g) -> bytes. Only nodes the outputs need
//   are emitted. Named dims are read from graph inputs' shapes at run time (Shape nodes), so each name
//   must appear alone on some input axis. GROVE_DUMP_GRAPHS=<dir> writes <dir>/<graph name>.onnx
//   (with inferred shapes on all values) for Netron; String(g) prints the IR one node a line.
// - A new op is one entry in ops/ (infer, lower, vjp side by side, see OpDef in types.ts) plus a case in
//   test/engine/graph/vjp.test.ts, whose coverage test fails for any rule without a finite-difference check.
//   An inference-only op sets `inferenceOnly` instead of a VJP (grad then refuses it by name); its test is in
//   test/engine/graph/ops/inference.test.ts.
export * from './dims';
export { grad, type GradOptions } from './autodiff';
export { Graph, Value, type Node, type Operand, type Source } from './ir';
export { encodeGraph, lowerGraph, type EncodeOptions, type LowerOptions } from './lower';
export * as nn from './nn';
export { opDef, OPS, type OpName } from './ops/registry';
export { isFloat, toBytes, type DType, type Emitter, type OpDef, type TypeInfo } from './types';
