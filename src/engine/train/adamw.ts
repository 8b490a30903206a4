// The gradient form's optimizer in JS (step-runner.ts: micro-batched steps and large models): the global
// gradient norm and AdamW, in place on the state's own Float32Arrays, with the fused graph's formulas
// (train-graph.ts addAdamW): clip = min(1, max / (norm + 1e-6)), d = clip g, m <- b1 m + (1 - b1) d,
// v <- b2 v + (1 - b2) d^2, p <- keep p - (lr / bc1) m / (sqrt(v) / sqrt(bc2) + eps).
// Why not a graph: onnxruntime-node hands every fetched output back as a fresh copy, even one bound to a
// preallocated buffer, so an AdamW graph costs three state-sized allocations and copies per step
// (bench/results/engine.notes.md); this loop writes the state where it lives. Arithmetic is float64 and the
// results are stored as float32: within an ulp of the graph's float32 chain.

/** One AdamW update's constants (bc1, bc2: the bias corrections 1 - beta^step). */
export interface AdamWUpdate {
  /** Gradient scale from global-norm clipping (1: none). */
  clip: number;
  lr: number;
  bc1: number;
  bc2: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** 1 - lr * weightDecay for a decayed tensor, 1 otherwise (decoupled decay). */
  keep: number;
}

/** Sum of squares of a gradient, accumulated in float64. */
export function sumOfSquares(g: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < g.length; i++) sum += g[i]! * g[i]!;
  return sum;
}

/** torch.nn.utils.clip_grad_norm_'s scale for a global norm: min(1, max / (norm + 1e-6)). */
export function clipScale(norm: number, maxNorm: number): number {
  return Math.min(1, maxNorm / (norm + 1e-6));
}

/** Applies one AdamW update to parameter p and its moments m, v from gradient g, in place. */
export function adamwInPlace(p: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array, u: AdamWUpdate): void {
  const { clip, beta1, beta2, eps, keep } = u;
  const stepSize = u.lr / u.bc1;
  const sqrtBc2 = Math.sqrt(u.bc2);
  for (let i = 0; i < p.length; i++) {
    const d = g[i]! * clip;
    const mi = beta1 * m[i]! + (1 - beta1) * d;
    const vi = beta2 * v[i]! + (1 - beta2) * d * d;
    m[i] = mi;
    v[i] = vi;
    p[i] = keep * p[i]! - (stepSize * mi) / (Math.sqrt(vi) / sqrtBc2 + eps);
  }
}
