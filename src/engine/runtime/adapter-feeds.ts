// A light expert's adapter as run inputs of its base's graphs (model/llama/adapter.ts fedAdapter): read once
// from its PEFT folder into the layout the graph's MatMuls take (A^T [in, r], and B^T with alpha / r folded
// in, [r, out]), and stacked into one batch for k light experts over the same base (row j = expert j, ranks
// padded with zeros to the largest, a projection an expert does not adapt all zeros), so experts of
// different ranks, scales and targets run as one pass. The feeds are built once per decoder and passed to
// every run; onnxruntime-node hands an input's memory to ONNX Runtime without copying it (bench suite
// `light` times a run with a 20 MB input against a 20 KB one: the same), so a token copies no adapter.
import { GroveError } from '../../shared/api/errors';
import { peftName, readAdapterFolder } from '../model/adapter-folder';
import type { ModelConfig } from '../model/config';
import { adapterInputName, fedProjections, orderedTargets } from '../model/llama/adapter';
import { loraScale, type LoraConfig, type LoraTarget } from '../model/lora';
import { ort } from './ort';

/** One projection's factors as fed: A^T [in, r] and (alpha / r) B^T [r, out]. */
export interface FedFactors {
  aT: Float32Array;
  bT: Float32Array;
}

export interface LoadedAdapter {
  lora: LoraConfig;
  /** By projection module path (model.layers.0.self_attn.q_proj). */
  factors: ReadonlyMap<string, FedFactors>;
}

/** Reads a PEFT adapter folder for a base of `config` (refusing one of another shape, see readAdapterFolder). */
export async function loadAdapter(folder: string, config: ModelConfig): Promise<LoadedAdapter> {
  const { lora, weights } = await readAdapterFolder(folder, config);
  try {
    const scale = loraScale(lora);
    const r = lora.rank;
    const factors = new Map<string, FedFactors>();
    for (const p of fedProjections(config, lora.targets)) {
      const a = await weights.readFloat32(peftName(`${p.projection}.lora_A.weight`)); // [r, in]
      const b = await weights.readFloat32(peftName(`${p.projection}.lora_B.weight`)); // [out, r]
      const aT = new Float32Array(p.in * r);
      for (let k = 0; k < r; k++) for (let i = 0; i < p.in; i++) aT[i * r + k] = a[k * p.in + i]!;
      const bT = new Float32Array(r * p.out);
      for (let o = 0; o < p.out; o++) for (let k = 0; k < r; k++) bT[k * p.out + o] = scale * b[o * r + k]!;
      factors.set(p.projection, { aT, bT });
    }
    return { lora, factors };
  } finally {
    await weights.close();
  }
}

/** Feeds for one adapter over every row of a run (the score graph's form: [in, r], [r, out]); no copy. */
export function sharedAdapterFeeds(config: ModelConfig, adapter: LoadedAdapter): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  const r = adapter.lora.rank;
  for (const p of fedProjections(config, adapter.lora.targets)) {
    const f = adapter.factors.get(p.projection)!;
    feeds[adapterInputName(p.projection, 'A')] = new ort.Tensor('float32', f.aT, [p.in, r]);
    feeds[adapterInputName(p.projection, 'B')] = new ort.Tensor('float32', f.bT, [r, p.out]);
  }
  return feeds;
}

/** k adapters as the per-row inputs of one batched run. */
export interface AdapterBatch {
  /** The projections the graph adapts: every target of any member. */
  targets: LoraTarget[];
  rows: number;
  /** The largest member's rank: every row's width. */
  rank: number;
  feeds: Record<string, ort.Tensor>;
}

/**
 * Stacks adapters into batch rows: A^T [k, in, R] and B^T [k, R, out] per projection, R the largest rank
 * (zero columns of A^T and zero rows of B^T add nothing). One adapter is fed as it is, without a copy.
 */
export function batchAdapters(config: ModelConfig, adapters: readonly LoadedAdapter[]): AdapterBatch {
  if (adapters.length === 0) throw new GroveError('internal', 'batchAdapters: a batch needs at least one adapter.');
  const targets = orderedTargets(adapters.flatMap((a) => a.lora.targets));
  const R = Math.max(...adapters.map((a) => a.lora.rank));
  const k = adapters.length;
  const feeds: Record<string, ort.Tensor> = {};
  for (const p of fedProjections(config, targets)) {
    let aT: Float32Array;
    let bT: Float32Array;
    const only = adapters[0]!.factors.get(p.projection);
    if (k === 1 && only) ({ aT, bT } = only);
    else {
      aT = new Float32Array(k * p.in * R);
      bT = new Float32Array(k * R * p.out);
      adapters.forEach((adapter, j) => {
        const f = adapter.factors.get(p.projection);
        if (!f) return;
        const r = adapter.lora.rank;
        // Each input row i of A^T: r values then R - r zeros (at full width, the whole block at once). B^T's first r rows, then zero rows.
        if (r === R) aT.set(f.aT, j * p.in * R);
        else for (let i = 0; i < p.in; i++) aT.set(f.aT.subarray(i * r, (i + 1) * r), (j * p.in + i) * R);
        bT.set(f.bT, j * R * p.out);
      });
    }
    feeds[adapterInputName(p.projection, 'A')] = new ort.Tensor('float32', aT, [k, p.in, R]);
    feeds[adapterInputName(p.projection, 'B')] = new ort.Tensor('float32', bT, [k, R, p.out]);
  }
  return { targets, rows: k, rank: R, feeds };
}

/** Row j of a batch alone, as the inputs of a batch-1 run: views of its part of every input, no copy. */
export function adapterRow(batch: AdapterBatch, j: number): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(batch.feeds)) {
    const dims = t.dims.slice(1);
    const size = dims.reduce((a, b) => a * b, 1);
    feeds[name] = new ort.Tensor('float32', (t.data as Float32Array).subarray(j * size, (j + 1) * size), [1, ...dims]);
  }
  return feeds;
}
