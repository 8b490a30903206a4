// The training graphs of a Llama-family model, parameters and optimizer state as graph INPUTS (state
// lives outside the graph; checkpoints are plain tensors under these same names):
//   step:   params, optimizer.m/v.<name>, step, lr, input_ids [B,T], targets [B,T]
//           -> new.<name>, new.optimizer.m/v.<name>, loss [], grad_norm []      (forward+backward+clip+AdamW)
//   grads:  params, acc.<name>, input_ids, targets -> new.acc.<name> = acc + dL/dp, loss   (one micro-batch)
//   update: params, optimizer state, acc.<name>, grad_scale, step, lr -> new.* and grad_norm (g = acc * scale)
//   loss:   params, input_ids, targets -> loss                                    (evaluation)
// Gradient accumulation over k micro-batches runs `grads` k times (ping-pong acc buffers), then `update`
// once with grad_scale = 1/k; with k = 1 the fused `step` graph does it all in one run.
import type { ModelConfig } from '../../model/config';
import { parameterSpecs, type ParamSpec } from '../../model/names';
import { appendBackward } from '../autodiff/backward';
import type { AutodiffOptions } from '../autodiff/registry';
import { emitForward } from '../llama-infer/forward';
import { attr, NodeBuilder } from '../onnx/builder';
import type { OnnxGraph, ValueInfo } from '../onnx/encode';
import { emitAdamW, type AdamWSettings } from './adamw';
import { emitCrossEntropy } from './loss';

export const stateName = {
  m: (p: string): string => `optimizer.m.${p}`,
  v: (p: string): string => `optimizer.v.${p}`,
  acc: (p: string): string => `acc.${p}`,
  next: (input: string): string => `new.${input}`,
};

export interface TrainShape {
  batchSize: number; // B (rows of one micro-batch)
  contextLength: number; // T
}

const f32 = (name: string, shape: readonly number[]): ValueInfo => ({ name, type: 'float32', shape });

function batchInputs(s: TrainShape): ValueInfo[] {
  return [
    { name: 'input_ids', type: 'int32', shape: [s.batchSize, s.contextLength] },
    { name: 'targets', type: 'int32', shape: [s.batchSize, s.contextLength] },
  ];
}

/** Forward + loss over the parameter inputs (HF names). Returns the loss value. */
function emitLoss(b: NodeBuilder, config: ModelConfig, s: TrainShape): string {
  const ids = b.op('Cast', ['input_ids'], { to: attr.int(7) }, 'ids64'); // [B, T] int64
  const targets = b.op('Cast', ['targets'], { to: attr.int(7) }, 'targets64');
  const { logits } = emitForward(b, config, (name) => name, ids, { staticLength: s.contextLength }); // [B, T, V]
  return emitCrossEntropy(b, logits, targets);
}

function paramInputs(specs: readonly ParamSpec[]): ValueInfo[] {
  return specs.map((p) => f32(p.name, p.shape));
}

export function lossGraph(config: ModelConfig, s: TrainShape): OnnxGraph {
  const b = new NodeBuilder();
  const loss = emitLoss(b, config, s);
  b.opNamed('Identity', [loss], ['loss']);
  return b.graph('grove_loss', [...paramInputs(parameterSpecs(config)), ...batchInputs(s)], [f32('loss', [])]);
}

/** Loss and dL/dp for every parameter: outputs `loss` and `grad.<name>` (for checks), or accumulated sums. */
export function gradsGraph(config: ModelConfig, s: TrainShape, o: AutodiffOptions & { accumulate?: boolean } = {}): OnnxGraph {
  const specs = parameterSpecs(config);
  const b = new NodeBuilder();
  const inputs = [...paramInputs(specs), ...batchInputs(s)];
  const loss = emitLoss(b, config, s);
  const { grads } = appendBackward(b, inputs, loss, specs.map((p) => p.name), o);
  b.opNamed('Identity', [loss], ['loss']);
  const outputs = [f32('loss', [])];
  for (const p of specs) {
    const out = o.accumulate ? stateName.next(stateName.acc(p.name)) : `grad.${p.name}`;
    if (o.accumulate) inputs.push(f32(stateName.acc(p.name), p.shape));
    b.opNamed(o.accumulate ? 'Add' : 'Identity', o.accumulate ? [stateName.acc(p.name), grads.get(p.name)!] : [grads.get(p.name)!], [out]);
    outputs.push(f32(out, p.shape));
  }
  return b.graph(o.accumulate ? 'grove_grads_accumulate' : 'grove_grads', inputs, outputs);
}

function stateInputs(specs: readonly ParamSpec[]): ValueInfo[] {
  return [...paramInputs(specs), ...specs.map((p) => f32(stateName.m(p.name), p.shape)), ...specs.map((p) => f32(stateName.v(p.name), p.shape)), f32('step', []), f32('lr', [])];
}

/** Writes the AdamW outputs under new.<input name>; returns their ValueInfos plus grad_norm. */
function emitUpdateOutputs(b: NodeBuilder, specs: readonly ParamSpec[], adamw: AdamWSettings, grad: (name: string) => string): ValueInfo[] {
  const { norm, out } = emitAdamW(b, specs, adamw, { step: 'step', lr: 'lr', param: (n) => n, m: stateName.m, v: stateName.v, grad });
  b.opNamed('Identity', [norm], ['grad_norm']);
  const outputs: ValueInfo[] = [f32('grad_norm', [])];
  for (const [i, o] of out.entries()) {
    const shape = specs[i]!.shape;
    for (const [input, value] of [[o.name, o.param], [stateName.m(o.name), o.m], [stateName.v(o.name), o.v]] as const) {
      b.opNamed('Identity', [value], [stateName.next(input)]);
      outputs.push(f32(stateName.next(input), shape));
    }
  }
  return outputs;
}

export function trainStepGraph(config: ModelConfig, s: TrainShape, adamw: AdamWSettings, o: AutodiffOptions = {}): OnnxGraph {
  const specs = parameterSpecs(config);
  const b = new NodeBuilder();
  const inputs = [...stateInputs(specs), ...batchInputs(s)];
  const loss = emitLoss(b, config, s);
  const { grads } = appendBackward(b, inputs, loss, specs.map((p) => p.name), o);
  b.opNamed('Identity', [loss], ['loss']);
  const outputs = [f32('loss', []), ...emitUpdateOutputs(b, specs, adamw, (n) => grads.get(n)!)];
  return b.graph('grove_train_step', inputs, outputs);
}

export function updateGraph(config: ModelConfig, adamw: AdamWSettings): OnnxGraph {
  const specs = parameterSpecs(config);
  const b = new NodeBuilder();
  const inputs = [...stateInputs(specs), ...specs.map((p) => f32(stateName.acc(p.name), p.shape)), f32('grad_scale', [])];
  const outputs = emitUpdateOutputs(b, specs, adamw, (n) => b.op('Mul', [stateName.acc(n), 'grad_scale'], {}, 'grad'));
  return b.graph('grove_update', inputs, outputs);
}
