// Global-norm clipping and AdamW exactly as torch.nn.utils.clip_grad_norm_ + torch.optim.AdamW compute them:
//   n = sqrt(sum_p |g_p|^2),  g <- g * min(1, max_norm / (n + 1e-6))
//   p <- p * (1 - lr * wd)    (decoupled decay, matrices only or all tensors)
//   m <- b1 m + (1 - b1) g,   v <- b2 v + (1 - b2) g^2
//   p <- p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
import type { ParamSpec } from '../../model/names';
import type { NodeBuilder } from '../onnx/builder';

export interface AdamWSettings {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** 'matrices': no decay on 1-D tensors (norms, biases), as the reference's --decay matrices. */
  decay: 'matrices' | 'all';
  /** Global gradient-norm clipping threshold; Infinity turns clipping off. */
  maxGradNorm: number;
}

export const DEFAULT_ADAMW: AdamWSettings = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, decay: 'matrices', maxGradNorm: 1.0 };

export interface UpdateValues {
  /** The graph values of the update's inputs. */
  step: string; // [] float: t, counted from 1
  lr: string; // [] float
  param: (name: string) => string;
  m: (name: string) => string;
  v: (name: string) => string;
  grad: (name: string) => string;
}

/** Emits the clipped AdamW update; returns the global gradient norm (before clipping) and the new values. */
export function emitAdamW(b: NodeBuilder, specs: readonly ParamSpec[], s: AdamWSettings, x: UpdateValues) {
  const c = (v: number): string => b.float32Scalar(v);
  const grads = new Map(specs.map((p) => [p.name, x.grad(p.name)]));
  const squares = specs.map((p) => b.op('ReduceSum', [b.op('Mul', [grads.get(p.name)!, grads.get(p.name)!])], { keepdims: { kind: 'int', value: 0 } }));
  const norm = b.op('Sqrt', [squares.length > 1 ? b.op('Sum', squares) : squares[0]!], {}, 'grad_norm'); // []
  const clip = Number.isFinite(s.maxGradNorm) ? b.op('Min', [c(1), b.op('Div', [c(s.maxGradNorm), b.op('Add', [norm, c(1e-6)])])], {}, 'clip_coef') : undefined;

  const bc1 = b.op('Sub', [c(1), b.op('Pow', [c(s.beta1), x.step])]); // 1 - b1^t
  const sqrtBc2 = b.op('Sqrt', [b.op('Sub', [c(1), b.op('Pow', [c(s.beta2), x.step])])]); // sqrt(1 - b2^t)
  const stepSize = b.op('Div', [x.lr, bc1]);
  const keep = b.op('Sub', [c(1), b.op('Mul', [x.lr, c(s.weightDecay)])]); // 1 - lr * wd

  const out = specs.map((p) => {
    const g = clip ? b.op('Mul', [grads.get(p.name)!, clip]) : grads.get(p.name)!;
    const m = b.op('Add', [b.op('Mul', [x.m(p.name), c(s.beta1)]), b.op('Mul', [g, c(1 - s.beta1)])], {}, 'm');
    const v = b.op('Add', [b.op('Mul', [x.v(p.name), c(s.beta2)]), b.op('Mul', [b.op('Mul', [g, g]), c(1 - s.beta2)])], {}, 'v');
    const decayed = s.weightDecay !== 0 && (s.decay === 'all' || p.shape.length >= 2) ? b.op('Mul', [x.param(p.name), keep]) : x.param(p.name);
    const denom = b.op('Add', [b.op('Div', [b.op('Sqrt', [v]), sqrtBc2]), c(s.eps)]);
    const param = b.op('Sub', [decayed, b.op('Mul', [stepSize, b.op('Div', [m, denom])])], {}, 'p');
    return { name: p.name, param, m, v };
  });
  return { norm, out };
}
