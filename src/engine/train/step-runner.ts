// Runs the train-step graph on ONNX Runtime, keeping parameters and AdamW moments in two sets of
// Float32Array buffers that swap roles each step (inputs <- last step's outputs): ONNX Runtime writes
// the new state straight into the spare set, so no multi-hundred-MB buffer is allocated per step.
import { mkdir } from 'node:fs/promises';
import type { ModelConfig } from '../model/config';
import { writeModelFolder } from '../model/folder';
import { initParameters } from '../model/init';
import { elementCount, parameterSpecs, type ParamSpec } from '../model/names';
import type { TensorReader } from '../model/safetensors';
import type { TensorToWrite } from '../model/safetensors-write';
import { createSession, ort, type OrtSession } from '../runtime/ort';
import type { TrainStepRunner } from './loop';
import { DEFAULT_OPTIMIZER, evalLossGraph, stateName, TRAIN_OUTPUTS, trainStepGraph, type OptimizerConfig } from './train-graph';
import type { Batch } from './windows';

type StateSet = Map<string, ort.Tensor>; // graph input name -> tensor

function int64(ids: Int32Array, dims: number[]): ort.Tensor {
  const out = new BigInt64Array(ids.length);
  for (let i = 0; i < ids.length; i++) out[i] = BigInt(ids[i] as number);
  return new ort.Tensor('int64', out, dims);
}

const scalar = (v: number) => new ort.Tensor('float32', new Float32Array([v]), []);

export class LlamaTrainer implements TrainStepRunner {
  private readonly specs: ParamSpec[];
  private current: StateSet;
  private spare: StateSet;
  private readonly lossOut = new ort.Tensor('float32', new Float32Array(1), []);
  private readonly normOut = new ort.Tensor('float32', new Float32Array(1), []);
  private stepCount = 0;

  private constructor(
    readonly config: ModelConfig,
    readonly batchSize: number,
    readonly contextLength: number,
    private readonly optimizer: OptimizerConfig,
    private readonly train: OrtSession,
    private readonly evaluate: OrtSession,
  ) {
    this.specs = parameterSpecs(config);
    const fresh = (): StateSet => {
      const set: StateSet = new Map();
      for (const s of this.specs) for (const kind of ['param', 'm', 'v'] as const) set.set(stateName(kind, s.name), new ort.Tensor('float32', new Float32Array(elementCount(s.shape)), [...s.shape]));
      return set;
    };
    this.current = fresh();
    this.spare = fresh();
  }

  static async create(config: ModelConfig, o: { batchSize: number; contextLength: number; optimizer?: Partial<OptimizerConfig>; threads?: number; seed?: number }): Promise<LlamaTrainer> {
    const optimizer = { ...DEFAULT_OPTIMIZER, ...o.optimizer };
    const opts = { threads: o.threads ?? 0 };
    const [train, evaluate] = await Promise.all([createSession(trainStepGraph(config, o.batchSize, o.contextLength, optimizer), opts), createSession(evalLossGraph(config, o.batchSize, o.contextLength), opts)]);
    const t = new LlamaTrainer(config, o.batchSize, o.contextLength, optimizer, train, evaluate);
    for (const { spec, data } of initParameters(config, o.seed ?? 0)) (t.current.get(spec.name)!.data as Float32Array).set(data);
    return t;
  }

  /** Starts from a model's weights (any stored dtype), with fresh optimizer state. */
  async loadWeights(weights: TensorReader): Promise<void> {
    for (const s of this.specs) (this.current.get(s.name)!.data as Float32Array).set(await weights.readFloat32(s.name));
  }

  async step(batch: Batch, lr: number): Promise<{ loss: number; gradNorm: number }> {
    this.stepCount++;
    const { beta1, beta2 } = this.optimizer;
    const feeds: Record<string, ort.Tensor> = Object.fromEntries(this.current);
    feeds.lr = scalar(lr);
    feeds.bc1 = scalar(1 - beta1 ** this.stepCount);
    feeds.bc2 = scalar(1 - beta2 ** this.stepCount);
    feeds.input_ids = int64(batch.inputs, [this.batchSize, this.contextLength]);
    feeds.targets = int64(batch.targets, [this.batchSize, this.contextLength]);
    const fetches: Record<string, ort.Tensor> = { [TRAIN_OUTPUTS.loss]: this.lossOut, [TRAIN_OUTPUTS.gradNorm]: this.normOut };
    for (const [name, tensor] of this.spare) fetches[`new.${name}`] = tensor;
    await this.train.run(feeds, fetches);
    [this.current, this.spare] = [this.spare, this.current];
    return { loss: (this.lossOut.data as Float32Array)[0] as number, gradNorm: (this.normOut.data as Float32Array)[0] as number };
  }

  async evalLoss(batch: Batch): Promise<number> {
    const feeds: Record<string, ort.Tensor> = {};
    for (const s of this.specs) feeds[s.name] = this.current.get(s.name) as ort.Tensor;
    feeds.input_ids = int64(batch.inputs, [this.batchSize, this.contextLength]);
    feeds.targets = int64(batch.targets, [this.batchSize, this.contextLength]);
    const out = await this.evaluate.run(feeds);
    return (out[TRAIN_OUTPUTS.loss]!.data as Float32Array)[0] as number;
  }

  /** The tensor that holds a state entry now (parameters by HF name, "optimizer.m.<name>", "optimizer.v.<name>"). */
  tensor(name: string): Float32Array {
    const t = this.current.get(name);
    if (!t) throw new Error(`No training state named ${name}`);
    return t.data as Float32Array;
  }

  async exportState(): Promise<TensorToWrite[]> {
    const tensors: TensorToWrite[] = [...this.current].map(([name, t]) => ({ name, shape: t.dims as number[], data: Float32Array.from(t.data as Float32Array) }));
    tensors.push({ name: 'optimizer.step', shape: [1], data: new Float32Array([this.stepCount]) });
    return tensors;
  }

  async importState(tensors: TensorReader): Promise<void> {
    for (const [name, t] of this.current) (t.data as Float32Array).set(await tensors.readFloat32(name));
    this.stepCount = (await tensors.readFloat32('optimizer.step'))[0] as number;
  }

  /** Writes the current parameters as a Hugging Face model folder (config.json + model.safetensors). */
  async saveModel(folder: string): Promise<string> {
    await mkdir(folder, { recursive: true });
    const written = await writeModelFolder(folder, { config: this.config, tensors: this.specs.map((s) => ({ name: s.name, shape: s.shape, data: Float32Array.from(this.tensor(s.name)) })) });
    return written.sha256;
  }

  async close(): Promise<void> {
    await this.train.release();
    await this.evaluate.release();
  }
}
