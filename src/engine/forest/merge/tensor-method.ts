// The per-tensor contract every merge method implements (mergekit's merge_methods, one unit per file): given
// one tensor of each input model, their weights, the base model's tensor for the task-vector methods and the
// method's parameters, return the merged tensor. The driver streams models through it tensor by tensor.
import { GroveError } from '../../../shared/api/errors';

/** A parameter a method takes, declared as data so the UI and CLI can list, explain and validate it. */
export interface TensorMergeParameter {
  /** mergekit's name for it. */
  name: string;
  type: 'number' | 'boolean';
  /** One value per input model (a weight, a density), or one for the whole merge (t, normalize). */
  perModel: boolean;
  default?: number | boolean;
  min?: number;
  max?: number;
  /** One line a person can act on. */
  description: string;
}

/** One tensor of every input, as float32, all of one length. */
export interface TensorInputs {
  /** The tensor's name: errors say it, and random methods draw an independent stream per tensor. */
  name: string;
  models: readonly Float32Array[];
  /** The base model's tensor (the seed), for the methods that merge task vectors (model - base). */
  base: Float32Array | null;
}

/** Parameters with defaults applied and checked: per-model ones have one value per input model. */
export interface MergeParams {
  perModel: Readonly<Record<string, readonly number[]>>;
  global: Readonly<Record<string, number | boolean>>;
  /** For methods that draw random numbers (DARE): the merge's seed. */
  seed: number;
}

export interface TensorMergeMethod {
  /** mergekit's method name. */
  name: string;
  description: string;
  paper: { title: string; url: string };
  parameters: readonly TensorMergeParameter[];
  /** Whether the method needs a base model (task-vector methods) and how many inputs it takes. */
  needsBase: boolean;
  models: { min: number; max?: number };
  /**
   * Each output entry depends only on the same entry of the inputs (no norms, ranks or random draws), so the
   * driver may feed the tensor in chunks and keep memory bounded whatever the tensor's size.
   */
  elementwise: boolean;
  /** Merges one tensor (random methods draw from `new Rng(params.seed, <tensor name and model>)`). */
  mergeTensor(inputs: TensorInputs, params: MergeParams): Float32Array;
}

/** Fills in defaults and checks ranges, naming the method and parameter in every refusal. */
export function resolveParams(
  method: TensorMergeMethod,
  models: number,
  given: { perModel?: Record<string, readonly number[]>; global?: Record<string, number | boolean>; seed?: number },
): MergeParams {
  if (models < method.models.min || (method.models.max !== undefined && models > method.models.max)) {
    const range =
      method.models.max === method.models.min
        ? `exactly ${method.models.min}`
        : `at least ${method.models.min}${method.models.max ? ` and at most ${method.models.max}` : ''}`;
    throw new GroveError(
      'bad_input',
      `merge ${method.name}: it takes ${range} models, not ${models}. Choose the models again, or another method.`,
      { method: method.name, models },
    );
  }
  const known = new Set(method.parameters.map((p) => p.name));
  for (const name of [...Object.keys(given.perModel ?? {}), ...Object.keys(given.global ?? {})]) {
    if (!known.has(name))
      throw new GroveError(
        'bad_input',
        `merge ${method.name}: it has no parameter "${name}". Its parameters: ${[...known].join(', ') || 'none'}.`,
        { method: method.name, parameter: name },
      );
  }
  const perModel: Record<string, readonly number[]> = {};
  const global: Record<string, number | boolean> = {};
  for (const p of method.parameters) {
    if (p.perModel) {
      const values =
        given.perModel?.[p.name] ?? (p.default === undefined ? undefined : Array.from({ length: models }, () => p.default as number));
      if (!values)
        throw new GroveError('bad_input', `merge ${method.name}: give ${p.name} for each model (${p.description})`, {
          method: method.name,
          parameter: p.name,
        });
      if (values.length !== models)
        throw new GroveError(
          'bad_input',
          `merge ${method.name}: ${values.length} values of ${p.name} for ${models} models. Give one per model.`,
          { method: method.name, parameter: p.name },
        );
      values.forEach((v) => checkNumber(method, p, v));
      perModel[p.name] = values;
    } else {
      const value = given.global?.[p.name] ?? p.default;
      if (value === undefined)
        throw new GroveError('bad_input', `merge ${method.name}: give ${p.name} (${p.description})`, {
          method: method.name,
          parameter: p.name,
        });
      if (p.type === 'boolean' ? typeof value !== 'boolean' : typeof value !== 'number')
        throw new GroveError('bad_input', `merge ${method.name}: ${p.name} must be a ${p.type}, not ${JSON.stringify(value)}.`, {
          method: method.name,
          parameter: p.name,
        });
      if (typeof value === 'number') checkNumber(method, p, value);
      global[p.name] = value;
    }
  }
  const seed = given.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32)
    throw new GroveError('bad_input', `merge ${method.name}: seed must be a whole number in [0, 2^32), not ${seed}.`);
  return { perModel, global, seed };
}

function checkNumber(method: TensorMergeMethod, p: TensorMergeParameter, v: number): void {
  if (!Number.isFinite(v) || (p.min !== undefined && v < p.min) || (p.max !== undefined && v > p.max)) {
    const range = [p.min !== undefined ? `>= ${p.min}` : '', p.max !== undefined ? `<= ${p.max}` : ''].filter(Boolean).join(' and ');
    throw new GroveError('bad_input', `merge ${method.name}: ${p.name} is ${v}; it must be a finite number${range ? ` ${range}` : ''}.`, {
      method: method.name,
      parameter: p.name,
      value: v,
    });
  }
}

/** The one check every method shares: the inputs (and the base, when used) have one length. */
export function checkLengths(method: string, inputs: TensorInputs): number {
  const n = inputs.models[0]?.length ?? 0;
  for (const [j, t] of inputs.models.entries()) {
    if (t.length !== n)
      throw new GroveError(
        'bad_input',
        `merge ${method}: tensor "${inputs.name}" has ${t.length} elements in model ${j} but ${n} in model 0. Only models of one shape can be merged.`,
        { tensor: inputs.name },
      );
  }
  if (inputs.base && inputs.base.length !== n)
    throw new GroveError(
      'bad_input',
      `merge ${method}: tensor "${inputs.name}" has ${inputs.base.length} elements in the base model but ${n} in the others.`,
      { tensor: inputs.name },
    );
  return n;
}
