// A TrainStepRunner on ONNX Runtime: the train-step graph (forward, backward, global-norm clipping, AdamW)
// with parameters and optimizer state held outside the graph in two pre-allocated sets of tensors. Each
// step reads set A and has ONNX Runtime write into set B (session.run fetches), then the two swap: no big
// buffer is allocated per step. Gradient accumulation over k micro-batches runs a grads-only graph k
// times (summing into ping-pong acc buffers inside the graph), then one update graph with scale 1/k.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import { DEFAULT_ADAMW, type AdamWSettings } from '../graph/train/adamw';
import { gradsGraph, lossGraph, stateName, trainStepGraph, updateGraph } from '../graph/train/graphs';
import type { AutodiffOptions } from '../graph/autodiff/registry';
import { encodeModel, type OnnxGraph } from '../graph/onnx/encode';
import type { ModelConfig } from '../model/config';
import { readModelFolder, writeModelFolder } from '../model/folder';
import { initParameters } from '../model/init';
import { elementCount, parameterSpecs, type ParamSpec } from '../model/names';
import type { TensorReader } from '../model/safetensors';
import type { TensorToWrite } from '../model/safetensors-write';
import type { TrainStepRunner } from '../train/loop';
import type { Batch } from '../train/windows';
import { createSession, ort, type OrtSession } from './ort';

export interface TrainSessionOptions {
  batchSize: number; // B rows per optimizer step
  contextLength: number; // T
  /** Micro-batches per step (B must be divisible by it); default 1 (the fused step graph). */
  accumulationSteps?: number;
  adamw?: Partial<AdamWSettings>;
  threads?: number;
  embeddingGrad?: AutodiffOptions['embeddingGrad'];
}

type TensorSet = Record<string, ort.Tensor>;
const STEP_TENSOR = 'optimizer.step';

function f32(shape: readonly number[]): ort.Tensor {
  return new ort.Tensor('float32', new Float32Array(elementCount(shape)), shape);
}
const scalar = (): ort.Tensor => new ort.Tensor('float32', new Float32Array(1), []);
const data = (t: ort.Tensor): Float32Array => t.data as Float32Array;

async function compile(graph: OnnxGraph, threads: number, kind: string): Promise<OrtSession> {
  const bytes = encodeModel({ graph, metadata: { 'grove.graph': kind } });
  if (process.env.GROVE_DUMP_GRAPHS) writeFileSync(join(process.env.GROVE_DUMP_GRAPHS, `${kind}.onnx`), bytes);
  return createSession(bytes, { threads });
}

export class LlamaTrainSession implements TrainStepRunner {
  readonly batchSize: number;
  readonly contextLength: number;
  readonly specs: ParamSpec[];
  /** Optimizer steps taken (AdamW's t before the next step). */
  stepCount = 0;
  /** Parameters + moments, under graph input names; `current` holds the live values. */
  private readonly sets: [TensorSet, TensorSet];
  private current = 0;
  private readonly acc: [TensorSet, TensorSet];
  private readonly out = { loss: scalar(), grad_norm: scalar() };
  private readonly step_ = scalar();
  private readonly lr = scalar();
  private readonly gradScale = scalar();

  private constructor(
    readonly config: ModelConfig,
    private readonly micro: number, // rows per micro-batch
    private readonly k: number,
    private readonly sessions: { step?: OrtSession; grads?: OrtSession; update?: OrtSession; loss: OrtSession },
    o: TrainSessionOptions,
  ) {
    this.batchSize = o.batchSize;
    this.contextLength = o.contextLength;
    this.specs = parameterSpecs(config);
    const stateSet = (): TensorSet => Object.fromEntries(this.specs.flatMap((p) => [p.name, stateName.m(p.name), stateName.v(p.name)].map((n) => [n, f32(p.shape)])));
    this.sets = [stateSet(), stateSet()];
    const accSet = (): TensorSet => (k > 1 ? Object.fromEntries(this.specs.map((p) => [stateName.acc(p.name), f32(p.shape)])) : {});
    this.acc = [accSet(), accSet()];
    data(this.gradScale)[0] = 1 / k;
  }

  /** Compiles the graphs for `config`; parameters start from HF's init with `seed` (see fromFolder/importState). */
  static async create(config: ModelConfig, o: TrainSessionOptions, seed = 0): Promise<LlamaTrainSession> {
    const k = o.accumulationSteps ?? 1;
    if (!Number.isInteger(k) || k < 1 || o.batchSize % k !== 0) {
      throw new GroveError('bad_input', `accumulationSteps ${k} must be a positive integer dividing batchSize ${o.batchSize}.`, { accumulationSteps: k, batchSize: o.batchSize });
    }
    const adamw: AdamWSettings = { ...DEFAULT_ADAMW, ...o.adamw };
    const shape = { batchSize: o.batchSize / k, contextLength: o.contextLength };
    const threads = o.threads ?? 0;
    const ad: AutodiffOptions = o.embeddingGrad ? { embeddingGrad: o.embeddingGrad } : {};
    const sessions =
      k === 1
        ? { step: await compile(trainStepGraph(config, shape, adamw, ad), threads, 'train-step'), loss: await compile(lossGraph(config, shape), threads, 'train-loss') }
        : {
            grads: await compile(gradsGraph(config, shape, { ...ad, accumulate: true }), threads, 'train-grads'),
            update: await compile(updateGraph(config, adamw), threads, 'train-update'),
            loss: await compile(lossGraph(config, shape), threads, 'train-loss'),
          };
    const runner = new LlamaTrainSession(config, shape.batchSize, k, sessions, o);
    for (const { spec, data: values } of initParameters(config, seed)) data(runner.live[spec.name]!).set(values);
    return runner;
  }

  /** A runner whose parameters come from a Hugging Face model folder (optimizer state fresh). */
  static async fromFolder(folder: string, o: TrainSessionOptions): Promise<LlamaTrainSession> {
    const { config, weights } = await readModelFolder(folder);
    try {
      const runner = await LlamaTrainSession.create(config, o);
      await runner.importState(weights);
      return runner;
    } finally {
      await weights.close();
    }
  }

  private get live(): TensorSet {
    return this.sets[this.current]!;
  }

  private batchFeeds(batch: Batch, j: number): TensorSet {
    const n = this.micro * this.contextLength;
    if (batch.inputs.length !== this.batchSize * this.contextLength || batch.targets.length !== batch.inputs.length) {
      throw new GroveError('bad_input', `batch has ${batch.inputs.length} inputs / ${batch.targets.length} targets; this runner takes B*T = ${this.batchSize}*${this.contextLength}.`);
    }
    const dims = [this.micro, this.contextLength];
    return { input_ids: new ort.Tensor('int32', batch.inputs.subarray(j * n, (j + 1) * n), dims), targets: new ort.Tensor('int32', batch.targets.subarray(j * n, (j + 1) * n), dims) };
  }

  async step(batch: Batch, lr: number): Promise<{ loss: number; gradNorm: number }> {
    data(this.step_)[0] = this.stepCount + 1;
    data(this.lr)[0] = lr;
    const next = this.sets[1 - this.current]!;
    const fetches: TensorSet = { grad_norm: this.out.grad_norm };
    for (const name of Object.keys(next)) fetches[stateName.next(name)] = next[name]!;
    const common = { ...this.live, step: this.step_, lr: this.lr };
    let loss = 0;
    if (this.sessions.step) {
      await this.sessions.step.run({ ...common, ...this.batchFeeds(batch, 0) }, { ...fetches, loss: this.out.loss });
      loss = data(this.out.loss)[0]!;
    } else {
      for (const t of Object.values(this.acc[0])) data(t).fill(0);
      for (let j = 0; j < this.k; j++) {
        const [from, to] = [this.acc[j % 2]!, this.acc[(j + 1) % 2]!];
        const accFetches: TensorSet = { loss: this.out.loss };
        for (const name of Object.keys(to)) accFetches[stateName.next(name)] = to[name]!;
        const params = Object.fromEntries(this.specs.map((p) => [p.name, this.live[p.name]!]));
        await this.sessions.grads!.run({ ...params, ...from, ...this.batchFeeds(batch, j) }, accFetches);
        loss += data(this.out.loss)[0]! / this.k;
      }
      await this.sessions.update!.run({ ...common, ...this.acc[this.k % 2]!, grad_scale: this.gradScale }, fetches);
    }
    this.current = 1 - this.current;
    this.stepCount++;
    return { loss, gradNorm: data(this.out.grad_norm)[0]! };
  }

  async evalLoss(batch: Batch): Promise<number> {
    const params = Object.fromEntries(this.specs.map((p) => [p.name, this.live[p.name]!]));
    let loss = 0;
    for (let j = 0; j < this.k; j++) {
      await this.sessions.loss.run({ ...params, ...this.batchFeeds(batch, j) }, { loss: this.out.loss });
      loss += data(this.out.loss)[0]! / this.k;
    }
    return loss;
  }

  /** Parameters (HF names), optimizer.m/v.<name> and optimizer.step. Views of the live buffers: write them before the next step. */
  async exportState(): Promise<TensorToWrite[]> {
    const tensors = Object.entries(this.live).map(([name, t]) => ({ name, shape: t.dims, data: data(t) }));
    return [...tensors, { name: STEP_TENSOR, shape: [1], data: Float32Array.of(this.stepCount) }];
  }

  /** Loads parameters (and optimizer state when present; else fresh moments and step 0) into the live buffers. */
  async importState(tensors: TensorReader): Promise<void> {
    const hasOptimizer = tensors.has(STEP_TENSOR);
    for (const [name, t] of Object.entries(this.live)) {
      const isParam = !name.startsWith('optimizer.');
      if (!isParam && !hasOptimizer) {
        data(t).fill(0);
        continue;
      }
      if (!tensors.has(name)) throw new GroveError('bad_input', `state has no tensor "${name}" for this ${this.config.architecture} config. Check that the checkpoint belongs to this model.`, { tensor: name });
      const values = await tensors.readFloat32(name);
      if (values.length !== data(t).length) throw new GroveError('bad_input', `tensor "${name}" has ${values.length} values, this model needs ${data(t).length}.`, { tensor: name });
      data(t).set(values);
    }
    this.stepCount = hasOptimizer ? (await tensors.readFloat32(STEP_TENSOR))[0]! : 0;
  }

  /** Writes the trained parameters as a model folder (config.json + model.safetensors) for the inference graphs. */
  async saveModel(folder: string, extras: Record<string, unknown> = {}): Promise<void> {
    const tensors = this.specs.map((p) => ({ name: p.name, shape: p.shape, data: data(this.live[p.name]!) }));
    mkdirSync(folder, { recursive: true });
    await writeModelFolder(folder, { config: this.config, extras, tensors });
  }

  /** The ArrayBuffers of both state sets (for checking that steps reuse them). */
  stateBuffers(): ArrayBufferLike[] {
    return this.sets.flatMap((s) => Object.values(s).map((t) => data(t).buffer));
  }

  async close(): Promise<void> {
    for (const s of Object.values(this.sessions)) await s?.release();
  }
}
