// Composite ops of Llama-family models, built from registry primitives (so autodiff needs no rule for
// them): SiLU, RMSNorm, linear layers, rotary embeddings (rotate_half), the causal mask, softmax
// cross-entropy. Shapes: B batch, T time, C channels, V vocab, H heads, D head size.
import { dimAdd, type Dim } from './dims';
import type { Graph, Value } from './ir';
import type { DType } from './types';

/**
 * x * sigmoid(x). ONNX Runtime fuses that pattern into QuickGelu, which its CPU provider implements for
 * float32 only (1.30 fuses float64 too and then fails to load), so float64 graphs get x / (1 + exp(-x)).
 */
export function silu(g: Graph, x: Value): Value {
  return x.dtype === 'float64' ? g.div(x, g.add(g.exp(g.neg(x)), 1)) : g.mul(x, g.sigmoid(x));
}

/** HF LlamaRMSNorm: weight * x / sqrt(mean(x^2, -1) + eps), in the pattern ONNX Runtime fuses. */
export function rmsNorm(g: Graph, x: Value, weight: Value, eps: number): Value {
  const ms = g.reduceMean(g.pow(x, 2), -1, true); // [..., 1]
  return g.mul(g.div(x, g.sqrt(g.add(ms, eps))), weight);
}

/** x @ W^T (+ b) with a PyTorch [out, in] weight. */
export function linear(g: Graph, x: Value, weight: Value, bias?: Value): Value {
  const y = g.matmul(x, g.transpose(weight, [1, 0]));
  return bias ? g.add(y, bias) : y;
}

/** Rotary tables for positions [T] and inverse frequencies [D/2]: cos, sin of concat(freqs, freqs), [T, D]. */
export function ropeTables(g: Graph, positions: Value, invFreq: Value): { cos: Value; sin: Value } {
  const freqs = g.mul(g.unsqueeze(g.cast(positions, invFreq.dtype), 1), invFreq); // [T, D/2]
  const emb = g.concat([freqs, freqs], -1); // [T, D]
  return { cos: g.cos(emb), sin: g.sin(emb) };
}

/** HF apply_rotary_pos_emb for one tensor: x * cos + rotate_half(x) * sin, rotate_half(x) = concat(-x2, x1). */
export function rotary(g: Graph, x: Value, cos: Value, sin: Value): Value {
  const D = x.shape[x.rank - 1] as number;
  const [x1, x2] = g.split(x, -1, [D / 2, D / 2]) as [Value, Value];
  const rotated = g.concat([g.neg(x2), x1], -1);
  return g.add(g.mul(x, cos), g.mul(rotated, sin));
}

/**
 * Additive causal mask [S, T] for S new positions after `past` cached ones (T = past + S): 0 where key
 * position <= query position, -inf elsewhere.
 */
export function causalMask(g: Graph, S: Dim, past: Dim = 0, dtype: DType = 'float32'): Value {
  const T = dimAdd(past, S);
  const rows = g.unsqueeze(g.arange(past, T), 1); // [S, 1] query positions
  const cols = g.arange(0, T); // [T] key positions
  return g.where(g.greater(cols, rows), g.scalar(-Infinity, dtype), g.scalar(0, dtype));
}

/** Per-row cross-entropy -log softmax(logits)[target] for logits [..., V] and integer targets [...]. */
export function softmaxCrossEntropy(g: Graph, logits: Value, targets: Value): Value {
  return g.softmaxCrossEntropy(logits, targets);
}
