// Runs the train step on ONNX Runtime, in one of two forms, with parameters and AdamW moments in one set of
// Float32Array buffers that every step updates in place.
// Fused (one micro-batch, a small model): one graph does forward, backward, clipping and AdamW; each state
// tensor is fed as an input and bound as its own "new." output (each is read only by its own update chain,
// which ends in that output). onnxruntime-node hands every fetched output back as a fresh copy, even one
// bound to a preallocated buffer, so this form copies the whole state per step: cheap on small models.
// Gradient (M micro-batches, or a large model): the gradient graph runs on M slices of the batch,
// accumulating into one gradient buffer, then JS clips by the global norm and applies AdamW in place
// (adamw.ts): one state-sized copy per micro-batch instead of three per step, and activations, logits and
// their gradients exist for one micro-batch at a time, so memory follows the micro-batch, not the batch.
// Measured 2026-12-05 (2 threads, one micro-batch, median ms per step, fused / gradient): 2.1M parameters
// 16x256 349 / 395, 13.8M 8x256 935 / 1008, 45M 8x256 3206 and 3097 / 2815 and 2933; SmolLM2-135M 4x256, five
// alternating runs each, 5133-12310 (median 11029) / 4924-7058 (median 6104), peak RSS 6.5-6.6 / 6.0 GB.
// Hence FUSED_MAX_PARAMETERS (train-graph.ts stepRuns), between the measured points (nothing between 13.8M and 45M was measured).
// Either form can be the small-memory step (options.recompute): activations recomputed in the backward pass,
// ONNX Runtime's arena off and each run's output copies collected at once (see LlamaTrainerOptions.recompute);
// a full expert's gradient form then also runs its backward pass in several runs over layer ranges
// (train-graph.ts splitGradGraphs), so that each run hands back a part of the gradients.
// A light expert (options.lora) trains only its adapter's A and B: the state (parameters, moments, gradient
// accumulators) is the adapter's, and the base weights are a separate set of buffers fed to every run as
// inputs and never bound to an output, so they are never written (and have no gradient or moments).
import { mkdir } from 'node:fs/promises';
import { GroveError } from '../../shared/api/errors';
import type { ModelConfig } from '../model/config';
import { writeModelFolder } from '../model/folder';
import { writeAdapterFolder, peftName } from '../model/adapter-folder';
import { initParameters } from '../model/init';
import { initLoraFactor, loraParameterCount, loraSpecs, type LoraConfig } from '../model/lora';
import { elementCount, parameterCount, type ParamSpec } from '../model/names';
import type { TensorReader } from '../model/safetensors';
import type { TensorToWrite } from '../model/safetensors-write';
import { collectGarbage } from '../runtime/collect-garbage';
import { createSession, ort, type OrtSession, type SessionOptions } from '../runtime/ort';
import { adamwInPlace, clipScale, sumOfSquares } from './adamw';
import type { TrainStepRunner } from './loop';
import { gradName, stateName } from './state-names';
import {
  decaysWeight,
  cutGradient,
  cutResidual,
  DEFAULT_OPTIMIZER,
  evalLossGraph,
  frozenSpecs,
  gradAccumulateGraph,
  LOOKUP_EMBEDDING,
  splitGradGraphs,
  stepRuns,
  TRAIN_OUTPUTS,
  trainableSpecs,
  trainStepGraph,
  type OptimizerConfig,
  type StepForm,
} from './train-graph';
import type { Batch } from './windows';

type StateSet = Map<string, ort.Tensor>; // graph input name -> tensor

function int64(ids: Int32Array, dims: number[]): ort.Tensor {
  const out = new BigInt64Array(ids.length);
  for (let i = 0; i < ids.length; i++) out[i] = BigInt(ids[i] as number);
  return new ort.Tensor('int64', out, dims);
}

const scalar = (v: number) => new ort.Tensor('float32', new Float32Array([v]), []);

/** Runs a session for the outputs bound in `fetches`, dropping the copies it returns (see LlamaTrainer.run). */
async function runDiscarding(session: OrtSession, feeds: Record<string, ort.Tensor>, fetches: Record<string, ort.Tensor>): Promise<void> {
  await session.run(feeds, fetches);
}

export interface LlamaTrainerOptions {
  /** Sequences per optimizer step (B). */
  batchSize: number;
  contextLength: number;
  /**
   * Split each batch into this many equal micro-batches (it must divide batchSize) whose gradients are
   * accumulated before one clipped AdamW update: the same step as the whole batch at once, in the memory
   * of one micro-batch. Default 1 (one forward + backward, fused with AdamW up to FUSED_MAX_PARAMETERS).
   */
  microBatches?: number;
  /**
   * A step of one micro-batch as one graph with AdamW inside (see the top of this file); default: when the
   * trainable parameters are at most FUSED_MAX_PARAMETERS. Ignored with several micro-batches.
   */
  fused?: boolean;
  optimizer?: Partial<OptimizerConfig>;
  threads?: number;
  seed?: number;
  /**
   * ONNX Runtime options for the training sessions. Defaults: no memory pattern (on the 135M shape it
   * pre-planned 2.7 GB more and ran no faster); the CPU arena on, micro-batched or not (off with recompute,
   * the small-memory step). Without it every op
   * maps its outputs afresh: SmolLM2-135M at 4 x 256 in 4 micro-batches took 61.5 s for 3 steps in a fresh
   * process against 36.8 s with it, at the same step peak (3.80 GB); the arena's kept blocks raise the
   * peak only while a checkpoint copies the state (4.68 GB; train/estimate.ts counts them).
   */
  session?: Pick<SessionOptions, 'memoryArena' | 'memoryPattern' | 'profilePrefix' | 'providers'>;
  /** Train a light expert: this adapter (A random, B zero, from `seed`) over the frozen base weights. */
  lora?: LoraConfig;
  /**
   * The small-memory step: activations recomputed in the backward pass (train-graph.ts StepForm.recompute),
   * ONNX Runtime's arena off (what it keeps of the largest activations would stay resident), the output
   * copies onnxruntime-node hands back collected after every run (runtime/collect-garbage.ts) and, for a full
   * expert's gradient form, the backward pass in several runs (train-graph.ts splitGradGraphs). SmolLM2-135M at
   * 4 x 256, one micro-batch, fresh processes of 3 steps on the job workers' malloc tunables
   * (app/jobs/worker-env.ts), 2026-12-05: 6.27 GB and 4.2-5.5 s a step without it; with it, the backward pass
   * in three runs, 2912-2918 MB over three processes and 5.5-6.1 s a step (in two runs, alternating with those:
   * 2932-3000 MB, 5.4-5.7 s; in one: 2.99-3.40 GB; bench/results/engine.notes.md).
   */
  recompute?: boolean;
  /** With recompute: positions per chunk of the head and loss (train-graph.ts HEAD_CHUNK by default). */
  headChunk?: number;
}

/**
 * The sessions of one trainer: fused, or the gradient runs of a micro-batch (AdamW in JS: one graph, or the
 * runs of a split backward pass, top first, with the layers they are cut at); evaluation made on first use.
 */
interface Sessions {
  fused?: OrtSession;
  gradient?: OrtSession[];
  cuts?: number[];
  evaluate?: Promise<OrtSession>;
}

export class LlamaTrainer implements TrainStepRunner {
  private readonly specs: ParamSpec[];
  private readonly state: StateSet = new Map();
  /** A light expert's base weights: fed to every run, never an output. Empty for a full expert. */
  private readonly frozen: StateSet = new Map();
  /** Gradients (the gradient form only), written by new.grad.<name>, fed as grad.<name> where accumulated. */
  private readonly grads: StateSet = new Map();
  /** What a run reads and writes by name, apart from what it is given (see boundRun). */
  private readonly bound: StateSet = new Map();
  private readonly lossOut = new ort.Tensor('float32', new Float32Array(1), []);
  private readonly normOut = new ort.Tensor('float32', new Float32Array(1), []);
  private stepCount = 0;

  private constructor(
    readonly config: ModelConfig,
    readonly batchSize: number,
    readonly contextLength: number,
    readonly microBatches: number,
    private readonly optimizer: OptimizerConfig,
    private readonly sessions: Sessions,
    private readonly sessionOptions: SessionOptions,
    readonly lora: LoraConfig | undefined,
    /** Collect garbage after every run (the small-memory form). */
    private readonly collectAfterRuns: boolean,
  ) {
    this.specs = trainableSpecs(config, lora);
    const zeros = (shape: readonly number[]) => new ort.Tensor('float32', new Float32Array(elementCount(shape)), [...shape]);
    for (const s of frozenSpecs(config, lora)) this.frozen.set(s.name, zeros(s.shape));
    for (const s of this.specs) for (const kind of ['param', 'm', 'v'] as const) this.state.set(stateName(kind, s.name), zeros(s.shape));
    if (!sessions.fused) for (const s of this.specs) this.grads.set(gradName(s.name), zeros(s.shape));
    for (const set of [this.state, this.frozen, this.grads]) for (const [name, t] of set) this.bound.set(name, t);
    if (sessions.cuts) {
      // A split backward pass: the gradient and the stream at each cut, and the tied embedding's second name
      // (train-graph.ts).
      const stream = [this.microBatchSize, contextLength, config.hiddenSize];
      const names = [...sessions.cuts.map(cutGradient), ...sessions.cuts.slice(1).map(cutResidual)];
      for (const name of names) this.bound.set(name, zeros(stream));
      if (config.tieWordEmbeddings) this.bound.set(LOOKUP_EMBEDDING, this.state.get('model.embed_tokens.weight')!);
    }
  }

  /** How a step runs: one graph with AdamW inside, or gradient graphs and AdamW in JS (see the top of this file). */
  get form(): 'fused' | 'gradient' {
    return this.sessions.fused ? 'fused' : 'gradient';
  }

  /** Gradient runs per micro-batch: several where the backward pass is split (the small-memory step of a full expert). */
  get runsPerMicroBatch(): number {
    return this.sessions.gradient?.length ?? 1;
  }

  /** Sequences per micro-batch. */
  get microBatchSize(): number {
    return this.batchSize / this.microBatches;
  }

  static async create(config: ModelConfig, o: LlamaTrainerOptions): Promise<LlamaTrainer> {
    const optimizer = { ...DEFAULT_OPTIMIZER, ...o.optimizer };
    const M = o.microBatches ?? 1;
    if (!Number.isInteger(M) || M < 1 || o.batchSize % M !== 0) {
      throw new GroveError(
        'bad_input',
        `microBatches ${M} does not split a batch of ${o.batchSize} sequences into equal parts; use a divisor of the batch size.`,
        { batchSize: o.batchSize, microBatches: M },
      );
    }
    // Recompute is the small-memory form: it also leaves the arena off and collects each run's output copies
    // at once (see LlamaTrainerOptions.recompute).
    const opts: SessionOptions = { threads: o.threads ?? 0, memoryPattern: false, memoryArena: !o.recompute, ...o.session };
    const b = o.batchSize / M;
    const sessions: Sessions = {};
    const trainable = o.lora ? loraParameterCount(config, o.lora) : parameterCount(config);
    const form: StepForm = {
      ...(o.lora ? { lora: o.lora } : {}),
      ...(o.recompute ? { recompute: true, ...(o.headChunk ? { headChunk: o.headChunk } : {}) } : {}),
    };
    const runs = stepRuns(config, { trainable, microBatches: M, fused: o.fused, recompute: o.recompute, lora: o.lora });
    if (runs === 'fused') sessions.fused = await createSession(trainStepGraph(config, b, o.contextLength, optimizer, form), opts);
    else if (runs === 'split') {
      const split = splitGradGraphs(config, b, o.contextLength, {
        accumulate: M > 1,
        ...(o.headChunk ? { headChunk: o.headChunk } : {}),
      });
      sessions.gradient = [];
      for (const run of split.runs) sessions.gradient.push(await createSession(run.graph, opts));
      sessions.cuts = split.cuts;
    } else sessions.gradient = [await createSession(gradAccumulateGraph(config, b, o.contextLength, { ...form, accumulate: M > 1 }), opts)];
    const t = new LlamaTrainer(config, o.batchSize, o.contextLength, M, optimizer, sessions, opts, o.lora, o.recompute ?? false);
    const seed = o.seed ?? 0;
    for (const { spec, data } of initParameters(config, seed)) (t.weights.get(spec.name)!.data as Float32Array).set(data);
    if (o.lora) t.resetAdapter(seed);
    return t;
  }

  /** The model's weights: the trained parameters of a full expert, the frozen base of a light one. */
  private get weights(): StateSet {
    return this.lora ? this.frozen : this.state;
  }

  /** Starts from a model's weights (any stored dtype; a light expert's base), with fresh optimizer state. */
  async loadWeights(weights: TensorReader): Promise<void> {
    for (const [name, t] of this.weights) if (!name.startsWith('optimizer.')) (t.data as Float32Array).set(await weights.readFloat32(name));
    this.resetOptimizer();
  }

  /** A light expert: starts from an adapter's factors (adapter_model.safetensors, PEFT names), with fresh optimizer state. */
  async loadAdapter(adapter: TensorReader): Promise<void> {
    if (!this.lora) throw new GroveError('internal', 'loadAdapter: this trainer trains a full expert, which has no adapter.');
    for (const s of this.specs) (this.state.get(s.name)!.data as Float32Array).set(await adapter.readFloat32(peftName(s.name)));
    this.resetOptimizer();
  }

  /** A light expert: a fresh adapter (A drawn from `seed`, B zero, so the base's function exactly) with fresh optimizer state. */
  resetAdapter(seed: number): void {
    if (!this.lora) throw new GroveError('internal', 'resetAdapter: this trainer trains a full expert, which has no adapter.');
    for (const spec of loraSpecs(this.config, this.lora)) (this.state.get(spec.name)!.data as Float32Array).set(initLoraFactor(spec, seed));
    this.resetOptimizer();
  }

  /** Zero AdamW moments and step count: the state of a trainer that has not stepped yet. */
  resetOptimizer(): void {
    for (const s of this.specs)
      for (const kind of ['m', 'v'] as const) (this.state.get(stateName(kind, s.name))!.data as Float32Array).fill(0);
    this.stepCount = 0;
  }

  /** Rows [i*b, (i+1)*b) of a batch as int64 graph inputs. */
  private slice(batch: Batch, i: number, feeds: Record<string, ort.Tensor>): void {
    const n = this.microBatchSize * this.contextLength;
    const dims = [this.microBatchSize, this.contextLength];
    feeds.input_ids = int64(batch.inputs.subarray(i * n, (i + 1) * n), dims);
    feeds.targets = int64(batch.targets.subarray(i * n, (i + 1) * n), dims);
  }

  async step(batch: Batch, lr: number): Promise<{ loss: number; gradNorm: number }> {
    // The small-memory form starts each step with nothing left over (initial weights, a checkpoint's copies).
    if (this.collectAfterRuns) collectGarbage();
    this.stepCount++;
    const { beta1, beta2 } = this.optimizer;
    const bc1 = 1 - beta1 ** this.stepCount;
    const bc2 = 1 - beta2 ** this.stepCount;
    if (!this.sessions.fused) {
      const loss = await this.accumulate(batch);
      return { loss, gradNorm: this.applyAdamW(lr, bc1, bc2) };
    }
    const given: Record<string, ort.Tensor> = { lr: scalar(lr), bc1: scalar(bc1), bc2: scalar(bc2) };
    this.slice(batch, 0, given);
    await this.boundRun(this.sessions.fused, given);
    return { loss: (this.lossOut.data as Float32Array)[0] as number, gradNorm: (this.normOut.data as Float32Array)[0] as number };
  }

  /**
   * One run whose outputs land in `fetches`; in the small-memory form the copies onnxruntime-node hands back
   * are collected once this function's frame (which held them) is gone.
   */
  private async run(session: OrtSession, feeds: Record<string, ort.Tensor>, fetches: Record<string, ort.Tensor>): Promise<void> {
    await runDiscarding(session, feeds, fetches);
    if (this.collectAfterRuns) collectGarbage();
  }

  /** Clips the accumulated gradients by their global norm and applies AdamW in place; returns the norm. */
  private applyAdamW(lr: number, bc1: number, bc2: number): number {
    let sumSquares = 0;
    for (const g of this.grads.values()) sumSquares += sumOfSquares(g.data as Float32Array);
    const norm = Math.sqrt(sumSquares);
    const { beta1, beta2, eps, weightDecay, maxGradNorm } = this.optimizer;
    const update = { clip: clipScale(norm, maxGradNorm), lr, bc1, bc2, beta1, beta2, eps, keep: 1 };
    for (const s of this.specs) {
      const [p, m, v] = (['param', 'm', 'v'] as const).map((kind) => this.state.get(stateName(kind, s.name))!.data as Float32Array) as [
        Float32Array,
        Float32Array,
        Float32Array,
      ];
      update.keep = decaysWeight(s, this.optimizer) ? 1 - lr * weightDecay : 1;
      adamwInPlace(p, m, v, this.grads.get(gradName(s.name))!.data as Float32Array, update);
    }
    return Math.fround(norm);
  }

  /** Fills the gradients with the batch's mean-loss gradient, one micro-batch at a time; returns the mean loss. */
  private async accumulate(batch: Batch): Promise<number> {
    // One micro-batch: its graphs write the gradient itself, with no accumulator to read (but a tied
    // embedding's bottom run of a split pass, which adds to the top run's).
    if (this.microBatches > 1) for (const t of this.grads.values()) (t.data as Float32Array).fill(0);
    const micro: Record<string, ort.Tensor> = { loss_scale: scalar(1 / this.microBatches) };
    let sum = 0;
    for (let i = 0; i < this.microBatches; i++) {
      this.slice(batch, i, micro);
      for (const session of this.sessions.gradient!) await this.boundRun(session, micro);
      sum += (this.lossOut.data as Float32Array)[0] as number;
    }
    return sum / this.microBatches;
  }

  /**
   * One run, its inputs and outputs bound by name: what is `given` (the micro-batch's ids and targets, its loss
   * scale, a fused step's learning rate and bias corrections), then `bound` (parameters, moments, a light
   * expert's base, grad.<name> accumulators, the cuts of a split pass); new.<name> into the tensor bound to
   * <name> (so in place); the loss and the gradient norm into lossOut and normOut.
   */
  private async boundRun(session: OrtSession, given: Record<string, ort.Tensor>): Promise<void> {
    const find = (name: string): ort.Tensor => {
      const t = given[name] ?? this.bound.get(name);
      if (!t) throw new GroveError('internal', `The training graph reads or writes ${name}, which the trainer does not hold.`);
      return t;
    };
    const outputOf = (name: string): ort.Tensor =>
      name === TRAIN_OUTPUTS.loss ? this.lossOut : name === TRAIN_OUTPUTS.gradNorm ? this.normOut : find(name.replace(/^new\./, ''));
    const feeds = Object.fromEntries(session.inputNames.map((name) => [name, find(name)]));
    const fetches = Object.fromEntries(session.outputNames.map((name) => [name, outputOf(name)]));
    await this.run(session, feeds, fetches);
  }

  /** Mean loss over the batch (micro-batch by micro-batch when M > 1; equal sizes, so the mean of means). */
  async evalLoss(batch: Batch): Promise<number> {
    this.sessions.evaluate ??= createSession(
      evalLossGraph(this.config, this.microBatchSize, this.contextLength, this.lora),
      this.sessionOptions,
    );
    const session = await this.sessions.evaluate;
    const micro: Record<string, ort.Tensor> = {};
    let sum = 0;
    for (let i = 0; i < this.microBatches; i++) {
      this.slice(batch, i, micro);
      await this.boundRun(session, micro);
      sum += (this.lossOut.data as Float32Array)[0] as number;
    }
    return sum / this.microBatches;
  }

  /** The tensor that holds a state entry now (parameters by HF name, "optimizer.m.<name>", "optimizer.v.<name>"; a light expert's base weights too). */
  tensor(name: string): Float32Array {
    const t = this.state.get(name) ?? this.frozen.get(name);
    if (!t) throw new Error(`No training state named ${name}`);
    return t.data as Float32Array;
  }

  async exportState(): Promise<TensorToWrite[]> {
    const tensors: TensorToWrite[] = [...this.state].map(([name, t]) => ({
      name,
      shape: t.dims as number[],
      data: Float32Array.from(t.data as Float32Array),
    }));
    tensors.push({ name: 'optimizer.step', shape: [1], data: new Float32Array([this.stepCount]) });
    return tensors;
  }

  async importState(tensors: TensorReader): Promise<void> {
    for (const [name, t] of this.state) (t.data as Float32Array).set(await tensors.readFloat32(name));
    this.stepCount = (await tensors.readFloat32('optimizer.step'))[0] as number;
  }

  /** Writes the current parameters as a Hugging Face model folder (config.json + model.safetensors). */
  async saveModel(folder: string): Promise<string> {
    if (this.lora)
      throw new GroveError('internal', 'saveModel: a light expert is saved as its adapter (saveAdapter), not as a copy of the base.');
    await mkdir(folder, { recursive: true });
    const written = await writeModelFolder(folder, {
      config: this.config,
      tensors: this.specs.map((s) => ({ name: s.name, shape: s.shape, data: Float32Array.from(this.tensor(s.name)) })),
    });
    return written.sha256;
  }

  /** A light expert: writes its adapter as a PEFT adapter folder over `baseModel`; returns the weights file's sha256. */
  async saveAdapter(folder: string, baseModel: string): Promise<string> {
    if (!this.lora) throw new GroveError('internal', 'saveAdapter: this trainer trains a full expert; save it with saveModel.');
    const tensors = new Map(this.specs.map((s) => [s.name, Float32Array.from(this.tensor(s.name))]));
    const written = await writeAdapterFolder(folder, { config: this.config, lora: this.lora, baseModel, tensors });
    return written.sha256;
  }

  /** Ends profiling (with session.profilePrefix): ONNX Runtime then writes each session's profile file. */
  async endProfiling(): Promise<void> {
    const { fused, gradient = [], evaluate } = this.sessions;
    for (const s of [fused, ...gradient, await evaluate]) s?.endProfiling();
  }

  async close(): Promise<void> {
    const { fused, gradient = [], evaluate } = this.sessions;
    for (const s of [fused, ...gradient, await evaluate]) await s?.release();
  }
}
