// Light experts folded into their base as one full model: W = W0 + sum_j w_j s_j B_j A_j (s_j = alpha_j / r_j,
// weights normalised) on every projection any of them adapts, every other tensor copied: BTM's collapse of
// light experts into a full model, and the "merged HF folder" a light expert is exported as (GGUF and ONNX
// then read that folder as any full model). Streamed: each tensor of the base is read a chunk of rows at a
// time, the rows of the delta added in float64, and the chunk written, so only a few MiB of the base and the
// adapters (small next to it) are in memory, whatever the base's size. Adapters that do not fit the base, and
// NaN or infinite values (in the base, the adapters, or a sum that overflows float32), are refused.
import { mkdir } from 'node:fs/promises';
import { GroveError } from '../../../shared/api/errors';
import { sharedWriteDtype } from '../../model/average';
import type { ModelConfig } from '../../model/config';
import type { WriteDtype } from '../../model/dtype';
import { assertFinite } from '../../model/finite';
import { readModelFolder, writeModelFolder } from '../../model/folder';
import {
  adaptedProjections,
  normaliseAdapters,
  stackedFactors,
  unionTargets,
  type AdaptedProjection,
  type NormalisedAdapter,
  type WeightedAdapter,
} from '../../model/lora-adapter';
import { elementCount, parameterSpecs } from '../../model/names';
import type { TensorReader } from '../../model/safetensors';
import type { WrittenFile } from '../../model/safetensors-write';

/** Elements per read (4 MiB of float32). */
const CHUNK_ELEMENTS = 1 << 20;

export interface MergeIntoBaseRequest {
  /** The base model folder (config.json + safetensors) every adapter was trained on. */
  baseFolder: string;
  /** The light experts and their weights (normalised here: uniform, posterior or manual). */
  parts: readonly WeightedAdapter[];
  outFolder: string;
  /** Default: the base's own dtype where Grove writes it, else F32. */
  dtype?: WriteDtype;
  /** Elements per read (tests use small chunks to cross their borders). */
  chunkElements?: number;
  metadata?: Readonly<Record<string, string>>;
  /** Called before each tensor, and once at the end (tensor ''), with parameters written so far and in all. */
  onProgress?: (p: { tensor: string; done: number; total: number }) => void;
}

export interface MergeIntoBaseResult {
  file: WrittenFile;
  config: ModelConfig;
  /** How many projections received a delta. */
  adaptedProjections: number;
}

export async function mergeAdaptersIntoBase(r: MergeIntoBaseRequest): Promise<MergeIntoBaseResult> {
  if (r.parts.length === 0)
    throw new GroveError('bad_input', 'merge adapters into the base: no adapters given. Pass at least one light expert with a weight.');
  const base = await readModelFolder(r.baseFolder);
  try {
    const used = normaliseAdapters(base.config, r.parts).filter((p) => p.weight > 0);
    const adapted = new Map(
      adaptedProjections(base.config, unionTargets(used.map((p) => p.adapter))).map((p) => [`${p.projection}.weight`, p]),
    );
    const specs = parameterSpecs(base.config);
    const chunk = r.chunkElements ?? CHUNK_ELEMENTS;
    const total = specs.reduce((n, s) => n + elementCount(s.shape), 0);
    let done = 0;
    const tensors = specs.map((spec) => {
      const projection = adapted.get(spec.name);
      const values = projection
        ? () => mergedRows(base.weights, r.baseFolder, projection, used, chunk)
        : () => copied(base.weights, r.baseFolder, spec.name, elementCount(spec.shape), chunk);
      return {
        name: spec.name,
        shape: spec.shape,
        data: async function* () {
          r.onProgress?.({ tensor: spec.name, done, total });
          yield* values();
          done += elementCount(spec.shape);
        },
      };
    });
    await mkdir(r.outFolder, { recursive: true });
    const dtype =
      r.dtype ??
      sharedWriteDtype(
        [base.weights],
        specs.map((s) => s.name),
      );
    const file = await writeModelFolder(
      r.outFolder,
      { config: base.config, extras: base.extras, tensors },
      { dtype, metadata: { format: 'pt', grove_merge: 'lora', ...r.metadata } },
    );
    r.onProgress?.({ tensor: '', done: total, total });
    return { file, config: base.config, adaptedProjections: adapted.size };
  } finally {
    await base.weights.close();
  }
}

async function* copied(weights: TensorReader, where: string, name: string, total: number, chunk: number): AsyncGenerator<Float32Array> {
  for (let start = 0; start < total; start += chunk) {
    const values = await weights.readFloat32(name, { start, count: Math.min(chunk, total - start) });
    assertFinite(values, name, where, start);
    yield values;
  }
}

/** W0's rows plus the delta's, a whole number of rows per chunk: delta row o = sum_k B[o, k] A[k, :]. */
async function* mergedRows(
  weights: TensorReader,
  where: string,
  p: AdaptedProjection,
  used: readonly NormalisedAdapter[],
  chunk: number,
): AsyncGenerator<Float32Array> {
  const name = `${p.projection}.weight`;
  const { B, A, rank: R } = stackedFactors(used, p); // [out, R], [R, in]
  const rows = Math.max(1, Math.floor(chunk / p.in));
  const acc = new Float64Array(p.in);
  for (let o0 = 0; o0 < p.out; o0 += rows) {
    const n = Math.min(rows, p.out - o0);
    const w0 = await weights.readFloat32(name, { start: o0 * p.in, count: n * p.in });
    assertFinite(w0, name, where, o0 * p.in);
    const merged = new Float32Array(n * p.in);
    for (let i = 0; i < n; i++) {
      const o = o0 + i;
      for (let c = 0; c < p.in; c++) acc[c] = w0[i * p.in + c]!;
      for (let k = 0; k < R; k++) {
        const b = B[o * R + k]!;
        if (b === 0) continue;
        const a = k * p.in;
        for (let c = 0; c < p.in; c++) acc[c]! += b * A[a + c]!;
      }
      merged.set(acc, i * p.in);
    }
    assertFinite(merged, name, `${where} + the adapters' delta (the sum overflows float32)`, o0 * p.in);
    yield merged;
  }
}
