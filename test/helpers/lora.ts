// Light experts' adapters for tests, and the direct computation every adapter operation is checked against:
// the dense weighted delta sum_j w_j (alpha_j / r_j) B_j A_j of one projection, formed in float64 by plain loops.
import { spawnSync } from 'node:child_process';
import type { ModelConfig } from '../../src/engine/model/config';
import { loraSpecs, type LoraConfig } from '../../src/engine/model/lora';
import type { LoraAdapter } from '../../src/engine/model/lora-adapter';
import { elementCount } from '../../src/engine/model/names';
import { Rng } from '../../src/engine/model/rng';
import { PYTHON } from './torch';

/** An adapter with normal(0, std) A and B (B nonzero, so it changes the model), from its own seed. */
export function randomAdapter(config: ModelConfig, lora: LoraConfig, seed: number, std = 0.3): LoraAdapter {
  return {
    lora,
    tensors: new Map(
      loraSpecs(config, lora).map((s) => [s.name, new Rng(seed, s.name).fillNormal(new Float32Array(elementCount(s.shape)), 0, std)]),
    ),
  };
}

/** The [out, in] delta of `projection` (model.layers.0.self_attn.q_proj) over weighted adapters, weights normalised here. */
export function denseDelta(
  parts: readonly { adapter: LoraAdapter; weight: number }[],
  projection: string,
  out: number,
  inn: number,
): Float64Array {
  const sum = parts.reduce((s, p) => s + p.weight, 0);
  const D = new Float64Array(out * inn);
  for (const { adapter, weight } of parts) {
    const A = adapter.tensors.get(`${projection}.lora_A.weight`);
    const B = adapter.tensors.get(`${projection}.lora_B.weight`);
    if (!A || !B) continue;
    const r = adapter.lora.rank;
    const f = (weight / sum) * (adapter.lora.alpha / r);
    for (let o = 0; o < out; o++)
      for (let c = 0; c < inn; c++) {
        let s = 0;
        for (let k = 0; k < r; k++) s += B[o * r + k]! * A[k * inn + c]!;
        D[o * inn + c]! += f * s;
      }
  }
  return D;
}

/** scale * B A of one adapter's projection, dense, float64. */
export function adapterDelta(adapter: LoraAdapter, projection: string, out: number, inn: number): Float64Array {
  return denseDelta([{ adapter, weight: 1 }], projection, out, inn);
}

/** max |a - b|, elementwise (the arrays must be the same length). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** max |a - b| / max |b|: a relative distance for matrices whose scale the test does not fix. */
export function relativeMaxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

export function frobenius(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
}

/** torch.linalg.svd (float64) of each dense matrix: its singular values and its best rank-`rank` approximation. */
export function torchTruncatedSvd(
  matrices: readonly { rows: number; cols: number; data: ArrayLike<number>; rank: number }[],
): { singularValues: number[]; truncated: number[] }[] {
  const script = [
    'import json, sys, torch',
    'out = []',
    'for m in json.load(sys.stdin):',
    "    d = torch.tensor(m['data'], dtype=torch.float64).reshape(m['rows'], m['cols'])",
    '    u, s, vh = torch.linalg.svd(d, full_matrices=False)',
    "    k = m['rank']",
    "    out.append({'singularValues': s.tolist(), 'truncated': (u[:, :k] @ torch.diag(s[:k]) @ vh[:k]).reshape(-1).tolist()})",
    'json.dump(out, sys.stdout)',
  ].join('\n');
  const input = JSON.stringify(matrices.map((m) => ({ rows: m.rows, cols: m.cols, data: Array.from(m.data), rank: m.rank })));
  const run = spawnSync(PYTHON, ['-c', script], { input, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (run.status !== 0) throw new Error(`torch SVD failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as { singularValues: number[]; truncated: number[] }[];
}
