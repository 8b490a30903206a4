// Weighted parameter average of models (BTM's merge / collapse, btm.md): theta = sum_j w_j * theta_j,
// streamed tensor by tensor and chunk by chunk, accumulated in float64, written atomically.
import { GroveError } from '../../shared/api/errors';
import type { ModelConfig } from './config';
import { WRITE_DTYPES, type WriteDtype } from './dtype';
import { readModelFolder, writeModelFolder, type ModelFolder } from './folder';
import { assertFinite } from './finite';
import { elementCount, parameterSpecs } from './names';
import type { TensorReader } from './safetensors';
import { writeSafetensors, type TensorToWrite, type WrittenFile } from './safetensors-write';

/** Elements per read: bounds memory to about (inputs + 3) * 4 MiB whatever the tensor size. */
const DEFAULT_CHUNK = 1 << 20;

/** Checks averaging weights (finite, >= 0, not all zero) and rescales them to sum to 1. */
export function normaliseWeights(weights: readonly number[]): number[] {
  if (weights.length === 0) throw new GroveError('bad_input', 'average: no models given. Pass at least one model with a weight.');
  weights.forEach((w, j) => {
    if (!Number.isFinite(w) || w < 0) throw new GroveError('bad_input', `average: weight ${j} is ${w}; weights must be finite and >= 0. Fix that weight.`, { index: j, weight: w });
  });
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum === 0) throw new GroveError('bad_input', 'average: all weights are zero. Give at least one model a positive weight.', { weights });
  return weights.map((w) => w / sum);
}

export interface AverageOptions {
  /** Stored dtype of the result; default: the inputs' dtype when they all share one Grove writes, else F32. */
  dtype?: WriteDtype;
  chunkElements?: number;
  metadata?: Readonly<Record<string, string>>;
}

/** The tensors of the average as streamed producers; `labels` name the inputs in errors. */
export function averagedTensors(
  readers: readonly TensorReader[],
  labels: readonly string[],
  weights: readonly number[],
  names: readonly string[],
  chunkElements = DEFAULT_CHUNK,
): TensorToWrite[] {
  const w = normaliseWeights(weights);
  if (readers.length !== w.length) throw new GroveError('bad_input', `average: ${readers.length} models but ${w.length} weights. Give one weight per model.`);
  return names.map((name) => {
    const shape = sameShape(readers, labels, name);
    const total = elementCount(shape);
    async function* chunks(): AsyncGenerator<Float32Array> {
      for (let start = 0; start < total; start += chunkElements) {
        const count = Math.min(chunkElements, total - start);
        const acc = new Float64Array(count); // [count] running sum in float64: identical inputs come back exact
        for (let j = 0; j < readers.length; j++) {
          if (w[j] === 0) continue;
          const x = await readers[j]!.readFloat32(name, { start, count });
          assertFinite(x, name, labels[j]!, start);
          const wj = w[j]!;
          for (let i = 0; i < count; i++) acc[i]! += wj * x[i]!;
        }
        yield Float32Array.from(acc);
      }
    }
    return { name, shape, data: chunks };
  });
}

function sameShape(readers: readonly TensorReader[], labels: readonly string[], name: string): readonly number[] {
  let first: readonly number[] | null = null;
  for (const [j, reader] of readers.entries()) {
    if (!reader.has(name)) throw new GroveError('bad_input', `average: tensor "${name}" is missing from ${labels[j]}. Only models of the same architecture can be averaged.`, { tensor: name, model: labels[j] });
    const shape = reader.info(name).shape;
    if (first === null) first = shape;
    else if (shape.length !== first.length || shape.some((d, i) => d !== first![i])) {
      throw new GroveError('bad_input', `average: tensor "${name}" has shape [${first.join(', ')}] in ${labels[0]} but [${shape.join(', ')}] in ${labels[j]}. Only models of the same shape can be averaged.`, { tensor: name, shapes: [first, shape] });
    }
  }
  if (first === null) throw new GroveError('bad_input', 'average: no models given. Pass at least one model with a weight.');
  return first;
}

function defaultDtype(readers: readonly TensorReader[], names: readonly string[]): WriteDtype {
  const dtypes = new Set(readers.flatMap((r) => names.map((n) => r.info(n).dtype)));
  const only = [...dtypes][0];
  return dtypes.size === 1 && (WRITE_DTYPES as readonly string[]).includes(only!) ? (only as WriteDtype) : 'F32';
}

/** Averages safetensors files tensor by tensor (every tensor of the first file; all must match). */
export async function averageSafetensorsFiles(readers: readonly TensorReader[], labels: readonly string[], weights: readonly number[], outPath: string, options: AverageOptions = {}): Promise<WrittenFile> {
  const names = readers[0]?.tensorNames ?? [];
  readers.forEach((r, j) => {
    const extra = r.tensorNames.find((n) => !names.includes(n));
    if (extra !== undefined) throw new GroveError('bad_input', `average: tensor "${extra}" is in ${labels[j]} but missing from ${labels[0]}. Only files with the same tensors can be averaged.`, { tensor: extra });
  });
  const tensors = averagedTensors(readers, labels, weights, names, options.chunkElements);
  return writeSafetensors(outPath, tensors, { dtype: options.dtype ?? defaultDtype(readers, names), metadata: options.metadata ?? {} });
}

/** Config fields that must agree for an average to mean anything (everything but storage details). */
function configDifferences(a: ModelConfig, b: ModelConfig): Array<keyof ModelConfig> {
  const ignored = new Set(['torchDtype', 'initializerRange']);
  return (Object.keys(a) as Array<keyof ModelConfig>).filter((k) => !ignored.has(k) && JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}

/** Refuses configs that differ from the first in anything but storage details, naming the field and both values. */
export function assertOneLineage(configs: readonly ModelConfig[], labels: readonly string[], what: string): void {
  const first = configs[0]!;
  configs.forEach((c, j) => {
    const diff = configDifferences(first, c);
    if (diff.length > 0) {
      const shown = diff.map((k) => `${k} ${JSON.stringify(first[k])} vs ${JSON.stringify(c[k])}`).join(', ');
      throw new GroveError('bad_input', `${what}: ${labels[j]} differs from ${labels[0]} in ${shown}. Only models of one lineage (same architecture and shape) can be merged.`, { fields: diff });
    }
  });
}

export interface AverageInput {
  folder: string;
  weight: number;
}

/** Averages model folders into `outFolder` (config.json of the first model, extras kept). */
export async function averageModels(inputs: readonly AverageInput[], outFolder: string, options: AverageOptions = {}): Promise<{ weights: number[]; file: WrittenFile }> {
  const weights = normaliseWeights(inputs.map((i) => i.weight));
  const models: ModelFolder[] = [];
  try {
    for (const input of inputs) models.push(await readModelFolder(input.folder));
    const first = models[0]!;
    assertOneLineage(models.map((m) => m.config), inputs.map((i) => i.folder), 'average');
    const readers = models.map((m) => m.weights);
    const labels = inputs.map((i) => i.folder);
    const names = parameterSpecs(first.config).map((s) => s.name);
    const tensors = averagedTensors(readers, labels, weights, names, options.chunkElements);
    const dtype = options.dtype ?? defaultDtype(readers, names);
    const metadata = { format: 'pt', ...options.metadata };
    const file = await writeModelFolder(outFolder, { config: first.config, extras: first.extras, tensors }, { dtype, metadata });
    return { weights, file };
  } finally {
    await Promise.all(models.map((m) => m.weights.close()));
  }
}
