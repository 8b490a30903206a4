// Grove's graph layer: build tensor programs in TypeScript, differentiate them, lower them to ONNX.
//
//   import { Graph, grad, encodeGraph, nn } from '../graph';
//
//   const g = new Graph('tiny_train');                       // a graph; its name names dumped files
//   const x = g.input('x', 'float32', ['B', 'T', 64]);       // dims: numbers or names ('B', 'B*T', 'P+S')
//   const ids = g.input('ids', 'int64', ['B', 'T']);
//   const w = g.input('w', 'float32', [32, 64]);             // trainable: an input (or g.initializer(...))
//   const h = g.scope('mlp', () => nn.silu(g, nn.linear(g, x, w)));   // [B, T, 32]; scopes name values
//   const loss = g.reduceMean(g.mul(h, h));                  // numbers lift to scalars: g.mul(h, 0.5)
//   const [dw] = grad(loss, [w]);                            // backward nodes appended to g
//   g.output('loss', loss); g.output('grad.w', dw);
//   const bytes = encodeGraph(g);                            // .onnx bytes for runtime/ort createSession
//
// - Shapes are inferred as each op is added; a mismatch throws GroveError('bad_input') naming the op,
//   the scope and the input shapes. Broadcasting is NumPy's, but a named dim only matches itself or 1.
// - Ops (methods of Graph): add sub mul div maximum minimum pow neg sqrt reciprocal exp log sigmoid tanh
//   sin cos sum identity cast | equal less greater where | matmul | reduceSum reduceMean reduceMax
//   reduceLogSumExp softmax logSoftmax | gather gatherElements scatterNDAdd scatterElementsAdd |
//   reshape transpose concat slice split unsqueeze squeeze expand pad | arange full zeros size.
//   Each is one entry of ops/registry.ts: inference, ONNX lowering and VJP rule side by side.
// - Composites (nn.ts): silu, rmsNorm, linear, ropeTables, rotary, causalMask, softmaxCrossEntropy.
// - grad(output, wrt, { seed }) returns one gradient per wrt value (zeros where output does not depend
//   on it); only nodes between wrt and output get backward work; fan-out is summed in one Sum node.
// - lowerGraph(g) -> OnnxModel (onnx/encode.ts); encodeGraph(g) -> bytes. Only nodes the outputs need
//   are emitted. Named dims are read from graph inputs' shapes at run time (Shape nodes), so every
//   named dim must appear on some input axis on its own. GROVE_DUMP_GRAPHS=<dir> writes
//   <dir>/<graph name>.onnx (with inferred shapes on all values) for Netron.
export * from './dims';
export { grad, type GradOptions } from './autodiff';
export { Graph, Value, type Node, type Operand, type Source } from './ir';
export { encodeGraph, lowerGraph, type EncodeOptions, type LowerOptions } from './lower';
export * as nn from './nn';
export { opDef, OPS, type OpName } from './ops/registry';
export { isFloat, toBytes, type DType, type Emitter, type OpDef, type TypeInfo } from './types';
