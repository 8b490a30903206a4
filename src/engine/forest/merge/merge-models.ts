// Merges model folders with any registered method, tensor by tensor: every input (and the base, for the
// task-vector methods) must share the architecture, shapes and tokenizer; each tensor of the result is read
// from the inputs, merged by the method's per-tensor rule, and streamed into the new model.safetensors.
// Peak memory: for elementwise methods (linear, task arithmetic) a 4 MiB chunk of each input, whatever the
// model; for the others one whole tensor of each input plus the result (the embedding matrix, for real models).
import { mkdir } from 'node:fs/promises';
import { GroveError } from '../../../shared/api/errors';
import { assertOneLineage, sharedWriteDtype } from '../../model/average';
import { assertFinite } from '../../model/finite';
import type { WriteDtype } from '../../model/dtype';
import { readModelFolder, writeModelFolder, type ModelFolder } from '../../model/folder';
import { elementCount, parameterSpecs } from '../../model/names';
import type { WrittenFile } from '../../model/safetensors-write';
import { sharedTokenizer, type MergeInput } from './method';
import { resolveParams, type MergeParams, type TensorMergeMethod } from './tensor-method';

/** Elements per read for elementwise methods. */
const CHUNK_ELEMENTS = 1 << 20;

export interface MergeModelsRequest {
  method: TensorMergeMethod;
  /** The models to merge, in order; each input's `weight` is its `weight` parameter where the method has one. */
  inputs: readonly MergeInput[];
  /** The base model (the forest's seed) for the methods that merge task vectors. */
  base?: MergeInput | null;
  /** The method's parameters other than the weights: per model (density) and global (normalize, t). */
  perModel?: Record<string, readonly number[]>;
  global?: Record<string, number | boolean>;
  seed?: number;
  outFolder: string;
  /** Default: the inputs' own dtype when they share one Grove writes, else F32. */
  dtype?: WriteDtype;
  /** Elements per read for elementwise methods (tests use small chunks to cross their borders). */
  chunkElements?: number;
  metadata?: Readonly<Record<string, string>>;
}

export interface MergeModelsResult {
  method: string;
  params: MergeParams;
  file: WrittenFile;
  /** The tokenizer every input shares, and so the result's. */
  tokenizerSha256: string;
}

export async function mergeModels(r: MergeModelsRequest): Promise<MergeModelsResult> {
  const { method } = r;
  if (method.needsBase && !r.base)
    throw new GroveError(
      'bad_input',
      `merge ${method.name}: it needs a base model (the forest's seed) to take the experts' task vectors from.`,
      { method: method.name },
    );
  const takesWeights = method.parameters.some((p) => p.name === 'weight');
  const params = resolveParams(method, r.inputs.length, {
    perModel: { ...(takesWeights ? { weight: r.inputs.map((i) => i.weight) } : {}), ...r.perModel },
    global: r.global ?? {},
    ...(r.seed !== undefined ? { seed: r.seed } : {}),
  });
  const base = method.needsBase ? r.base! : null;
  const all = base ? [...r.inputs, base] : [...r.inputs];
  const tokenizerSha256 = await sharedTokenizer(all, method.name);
  const models: ModelFolder[] = [];
  try {
    for (const input of all) models.push(await readModelFolder(input.folder));
    const first = models[0]!;
    assertOneLineage(
      models.map((m) => m.config),
      all.map((i) => i.label ?? i.folder),
      `merge ${method.name}`,
    );
    const inputs = models.slice(0, r.inputs.length);
    const baseModel = base ? models.at(-1)! : null;
    const specs = parameterSpecs(first.config);
    const tensors = specs.map((spec) => ({
      name: spec.name,
      shape: spec.shape,
      data: async function* () {
        const total = elementCount(spec.shape);
        const step = method.elementwise ? (r.chunkElements ?? CHUNK_ELEMENTS) : total;
        for (let start = 0; start < total; start += step) {
          const range = { start, count: Math.min(step, total - start) };
          const read = async (m: ModelFolder, j: number) => {
            const values = await m.weights.readFloat32(spec.name, range);
            assertFinite(values, spec.name, all[j]!.label ?? all[j]!.folder, start);
            return values;
          };
          const tensors = await Promise.all(inputs.map(read));
          const baseTensor = baseModel ? await read(baseModel, all.length - 1) : null;
          yield method.mergeTensor({ name: spec.name, models: tensors, base: baseTensor }, params);
        }
      },
    }));
    await mkdir(r.outFolder, { recursive: true });
    const file = await writeModelFolder(
      r.outFolder,
      { config: first.config, extras: first.extras, tensors },
      {
        dtype:
          r.dtype ??
          sharedWriteDtype(
            models.map((m) => m.weights),
            specs.map((x) => x.name),
          ),
        metadata: { format: 'pt', grove_merge: method.name, ...r.metadata },
      },
    );
    return { method: method.name, params, file, tokenizerSha256 };
  } finally {
    await Promise.all(models.map((m) => m.weights.close()));
  }
}
