// What training a new expert costs on this machine, computed from the model's shapes before it starts: the
// expert's size on disk (and what its run keeps on disk until gc), the training process's peak memory, and
// the FLOPs of a step, which a throughput measured on this machine (api/training-estimate.ts) turns into
// time. For both kinds of expert: full (every weight trained, AdamW moments for all of them) and light (LoRA
// adapters over the frozen seed: no weight gradients, no moments for the base).
//
// Memory. Resident for the whole run, exactly from the shapes (float32, 4 bytes each):
//   weights (the model trained, or a light expert's frozen base), the trainable tensors' two AdamW moments,
//   their gradient (an accumulator when the batch is split into micro-batches; inside the fused graph when not),
//   a light expert's own adapter.
// Per micro-batch of b sequences of T tokens, while a step runs, b x T x 4 bytes x
//   ACTIVATIONS x (layers x (6 hidden + 2 kv + 4 intermediate [+ rank per adapted projection]) + 3 vocab)
//   + ATTENTION x layers x heads x T:
//   what the backward pass reads of each layer (the norms' inputs and outputs, q/k/v, the attention output, the
//   MLP's gate, up, their activation and product; a light expert's x A^T), the logits, their log-softmax and its
//   gradient, and the [heads, T, T] attention scores (the fit gives about 3 copies: scores, probabilities and
//   their gradient). The factors cover ONNX Runtime's temporaries and allocator on top of that count.
// Full experts only: a workspace proportional to the weights (weight-gradient temporaries before they are
//   added to the accumulator, and the optimizer's temporaries; larger in the fused graph, where AdamW over
//   every tensor runs in the same session, with its arena, as the forward and backward).
// Plus the process itself (Node, ONNX Runtime, the sessions): RUNTIME.
// When a checkpoint is written the state (parameters and moments) is copied out first (step-runner.ts
// exportState), with no step running, while ONNX Runtime's arena still holds the blocks of the step's
// activations: the peak when it exceeds the step's. (Measured on the 135M shape at 4 micro-batches: writing a
// checkpoint raised the run's peak from 3.80 to 4.68 GB; on the smaller shapes less, or not at all.)
//
// Calibration (2 threads, ONNX Runtime 1.30 CPU, Node 20: the `train-memory` child of src/bench, a fresh
// process training 3 steps, peak RSS from /proc VmHWM; 2026-12-04, a 2-core machine at load 2-10): least
// squares on relative error over 30 runs of 4 shapes (2.1M, 13.8M and 40M parameters and SmolLM2-135M), full
// and light (rank 16, all seven projections), one fused step and 4 micro-batches, batch 4-32 x 128-256 tokens.
// The measured figures and the model's error on each are in test/engine/train/estimate.test.ts: within 10.4 %
// on the runs it was fit to (mean 3 %), 14.3 % on 4 runs left out of the fit (the worst: the 13.8M shape, rank
// 8 on two projections, 8 sequences per micro-batch, estimated too high), 9 % with a checkpoint written.
// Recalibrated 2026-12-05, when micro-batched steps got ONNX Runtime's arena (step-runner.ts): the 16
// micro-batched runs measured again (an AMD EPYC family 26, 2 cores, quiet), the accumulated workspace refit
// alone (least squares on relative error over the fit runs: 2.26 -> 2.05 copies of the weights), and a
// checkpoint now counts the activations the arena keeps. Errors then: the micro-batched fit runs within 9.9 %,
// 10.7 % with a checkpoint (the 40M shape, estimated low). SmolLM2-135M at 4 x 256 tokens in 4 micro-batches: full
// 3.80 GB measured for the step, 4.68 GB with a checkpoint, 4.11 / 4.62 GB estimated; light 1.50 GB measured.
// With recompute (train-graph.ts StepForm; the small-memory step: ONNX Runtime's arena off, output copies
//   collected after each run, step-runner.ts) the backward pass rebuilds activations instead of keeping them:
//   per token the layers' inputs (2 hidden per layer), 1.5 layers' count as above (the layer replayed and its
//   gradient's temporaries), one head chunk's logits (HEAD_CHUNK positions of 3 vocab) and 1.5 layers'
//   attention scores; a full expert's workspace is 1.25 copies of the weights in the fused step (the copies of
//   the state onnxruntime-node hands back after each run, until they are collected, and the head's [vocab,
//   hidden] gradient sums), 0.4 where the backward pass is split into runs (train-graph.ts stepRuns 'split': one
//   run's copy of a part of the gradients). The factors were fit by hand: 1.25 and RECOMPUTED_LAYERS to the small
//   shape 8 x 256 (0.64 GB) and SmolLM2-135M 4 x 256 before the split (3.40 GB); 0.4 to the three SmolLM2-135M
//   runs measured after the split in two (2026-12-05, fifth session, job workers' tunables, app/jobs/worker-env.ts),
//   and kept for the split in three (sixth session: those runs measured again, 2914-3054 MB, within 5 %). On the
//   six runs measured then the model is within 8 % (the 40M shape, estimated low by 6 %).
// Since 2026-12-05 a step of one micro-batch over more than 25M trainable parameters runs the gradient graph
// with AdamW in JS instead of the fused graph (step-runner.ts); the fused workspace still used for it
// estimates such steps high (SmolLM2-135M at 4 x 256: 6.26 GB measured after the change, 6.8 GB before it).
//
// Time: training FLOPs per token, as the engine bench counts them: a full step is 6 x the parameters that
// multiply (forward 2, backward 2 for the activations' gradients and 2 for the weights'; an untied input
// embedding is a lookup, not a product) plus attention's 12 x layers x T x hidden (scores and mixing, forward
// and backward). A light step has no weight gradients: 4 x the base's multiplying parameters, the same
// attention, and 6 x the adapter's parameters (they are multiplied, differentiated through and trained).
import { peftName } from '../model/adapter-folder';
import type { ModelConfig } from '../model/config';
import { loraParameterCount, loraSpecs, type LoraConfig } from '../model/lora';
import { parameterCount, parameterSpecs } from '../model/names';
import { safetensorsBytes } from '../model/safetensors-write';
import { stateName } from './state-names';
import { HEAD_CHUNK, stepRuns } from './train-graph';

export type ExpertKind = 'full' | 'light';

/** One training run's shape: the model, how a step reads its batch, and a light expert's adapter (absent: full). */
export interface TrainShape {
  config: ModelConfig;
  batchSize: number;
  microBatches: number;
  contextLength: number;
  lora?: LoraConfig;
  /** Activations recomputed in the backward pass (train-graph.ts StepForm.recompute). */
  recompute?: boolean;
}

/** The memory model's calibrated terms (see the header: fit to measured peak RSS). */
export const MEMORY_CALIBRATION = {
  /** Node, ONNX Runtime and the training sessions, before any tensor. */
  runtimeBytes: 127e6,
  /** Measured memory over the counted floats of the layers and the logits... */
  activations: 1.12,
  /** ...and over the attention scores' (layers x heads x T per token). */
  attention: 3.05,
  /** A full expert's workspace, in copies of its weights: one fused step (M = 1) / micro-batches (M > 1). */
  fusedWorkspace: 3.25,
  accumulatedWorkspace: 2.05,
  /** A full expert's workspace with recompute: the fused step / the backward pass split into runs (see the header). */
  recomputeWorkspace: 1.25,
  splitWorkspace: 0.4,
} as const;

const FLOAT = 4;

/** With recompute: the activations of this many layers exist at once (the replayed layer and its backward's temporaries; fit). */
const RECOMPUTED_LAYERS = 1.5;

/** Parameters the optimizer trains: every weight of a full expert, the adapter of a light one. */
export function trainableParameters(shape: Pick<TrainShape, 'config' | 'lora'>): number {
  return shape.lora ? loraParameterCount(shape.config, shape.lora) : parameterCount(shape.config);
}

/** Floats per token the backward pass keeps of a micro-batch's forward (the header's count): the layers' and the logits', and the attention scores'. */
export function activationFloatsPerToken(
  config: ModelConfig,
  contextLength: number,
  lora?: LoraConfig,
  recompute?: { tokens: number },
): { layers: number; attention: number } {
  const kv = config.numKeyValueHeads * config.headDim;
  const perLayer = 6 * config.hiddenSize + 2 * kv + 4 * config.intermediateSize + (lora ? lora.rank * lora.targets.length : 0);
  if (recompute) {
    // Each layer's inputs (the residual and its norm) for the whole step; the insides of the layer being
    // replayed with its gradient's temporaries (RECOMPUTED_LAYERS layers' worth) and one head chunk's logits.
    const headShare = Math.min(1, HEAD_CHUNK / recompute.tokens);
    return {
      layers: config.numHiddenLayers * 2 * config.hiddenSize + RECOMPUTED_LAYERS * perLayer + 3 * config.vocabSize * headShare,
      attention: RECOMPUTED_LAYERS * config.numAttentionHeads * contextLength,
    };
  }
  return {
    layers: config.numHiddenLayers * perLayer + 3 * config.vocabSize,
    attention: config.numHiddenLayers * config.numAttentionHeads * contextLength,
  };
}

export interface MemoryParts {
  runtime: number;
  /** The model's weights (a light expert's frozen base). */
  weights: number;
  /** A light expert's adapter (a full expert's trainable tensors are its weights). */
  adapter: number;
  /** AdamW's two moments of every trainable tensor. */
  optimizer: number;
  gradients: number;
  /** One micro-batch's activations, with ONNX Runtime's temporaries. */
  activations: number;
  /** A full expert's weight-gradient and optimizer temporaries. */
  workspace: number;
}

export interface MemoryEstimate {
  /** The training process's peak resident memory, in bytes. */
  peakBytes: number;
  /** While a step runs. */
  stepBytes: number;
  /** While a checkpoint is written (the state copied out, no step running). */
  checkpointBytes: number;
  parts: MemoryParts;
}

/** A full expert's workspace in copies of its weights, by the form its step runs in (see the header). */
function fullWorkspace(shape: TrainShape): number {
  const c = MEMORY_CALIBRATION;
  if (!shape.recompute) return shape.microBatches > 1 ? c.accumulatedWorkspace : c.fusedWorkspace;
  const runs = stepRuns(shape.config, { trainable: parameterCount(shape.config), microBatches: shape.microBatches, recompute: true });
  return runs === 'split' ? c.splitWorkspace : c.recomputeWorkspace;
}

export function trainingMemory(shape: TrainShape): MemoryEstimate {
  const { config, lora } = shape;
  const c = MEMORY_CALIBRATION;
  const weights = parameterCount(config) * FLOAT;
  const trainable = trainableParameters(shape) * FLOAT;
  const microBatch = shape.batchSize / shape.microBatches;
  const tokens = microBatch * shape.contextLength;
  const floats = activationFloatsPerToken(config, shape.contextLength, lora, shape.recompute ? { tokens } : undefined);
  const parts: MemoryParts = {
    runtime: c.runtimeBytes,
    weights,
    adapter: lora ? trainable : 0,
    optimizer: 2 * trainable,
    gradients: trainable,
    activations: tokens * (c.activations * floats.layers + c.attention * floats.attention) * FLOAT,
    workspace: lora ? 0 : fullWorkspace(shape) * weights,
  };
  const resident = parts.runtime + parts.weights + parts.adapter + parts.optimizer;
  const stepBytes = resident + parts.gradients + parts.activations + parts.workspace;
  // The fused step's gradients live inside its graph; accumulators stay between steps; ONNX Runtime's arena
  // keeps the blocks of the last step's activations while the state is copied out.
  const checkpointBytes = resident + (shape.microBatches > 1 ? parts.gradients : 0) + parts.activations + 3 * trainable;
  return { peakBytes: Math.max(stepBytes, checkpointBytes), stepBytes, checkpointBytes, parts };
}

/** Parameters that take part in a matrix product (an untied input embedding is a lookup). */
function multiplyingParameters(config: ModelConfig): number {
  return parameterCount(config) - (config.tieWordEmbeddings ? 0 : config.vocabSize * config.hiddenSize);
}

/** Training FLOPs per token of a step (the header's count). */
export function trainingFlopsPerToken(shape: Pick<TrainShape, 'config' | 'contextLength' | 'lora'>): number {
  const { config, contextLength: T, lora } = shape;
  const attention = 12 * config.numHiddenLayers * T * config.hiddenSize;
  if (!lora) return 6 * multiplyingParameters(config) + attention;
  return 4 * multiplyingParameters(config) + attention + 6 * loraParameterCount(config, lora);
}

/** Bytes of the weights file the store keeps for the new expert: float32 model.safetensors, or the adapter's. */
export function expertFileBytes(shape: Pick<TrainShape, 'config' | 'lora'>): number {
  const { config, lora } = shape;
  // Training writes float32 (step-runner.ts saveModel / saveAdapter) and the store keeps the dtype it is given.
  if (lora)
    return safetensorsBytes(
      loraSpecs(config, lora).map((s) => ({ name: peftName(s.name), shape: s.shape })),
      { dtype: 'F32' },
    );
  return safetensorsBytes(
    parameterSpecs(config).map((s) => ({ name: s.name, shape: s.shape })),
    { dtype: 'F32' },
  );
}

/** Bytes of one checkpoint: the trainable tensors and their two moments, and the step count (step-runner.ts exportState). */
export function checkpointFileBytes(shape: Pick<TrainShape, 'config' | 'lora'>): number {
  const specs = shape.lora ? loraSpecs(shape.config, shape.lora) : parameterSpecs(shape.config);
  const entries = specs.flatMap((s) => (['param', 'm', 'v'] as const).map((kind) => ({ name: stateName(kind, s.name), shape: s.shape })));
  return safetensorsBytes([...entries, { name: 'optimizer.step', shape: [1] }], { dtype: 'F32' });
}

export interface DiskEstimate {
  /** The new expert in the store. */
  expertBytes: number;
  /** The most its run holds at once until gc: the branch's init, checkpoints (two kept, a third while one is written), the trained copy. */
  trainingBytes: number;
}

/**
 * Disk for a new expert trained `steps` steps, checkpointing every `checkpointEvery` steps, whose init is a
 * new file of the store when `initIsNewFile` (a weighted average of two or more experts, or a fresh adapter).
 */
export function trainingDisk(
  shape: Pick<TrainShape, 'config' | 'lora'>,
  steps: number,
  checkpointEvery: number,
  initIsNewFile: boolean,
): DiskEstimate {
  const expert = expertFileBytes(shape);
  const checkpoint = checkpointFileBytes(shape);
  const checkpoints = Math.floor(steps / Math.max(1, checkpointEvery));
  const init = initIsNewFile ? expert : 0;
  // While a checkpoint is written the two kept ones are still there; at the end the run's folder and the store each hold the trained expert.
  const whileTraining = Math.min(3, checkpoints) * checkpoint;
  const atTheEnd = Math.min(2, checkpoints) * checkpoint + 2 * expert;
  return { expertBytes: expert, trainingBytes: init + Math.max(whileTraining, atTheEnd) };
}

/** Steps, tokens and seconds of a budget at a throughput in FLOP/s (null: not measured). */
export interface RunLength {
  steps: number;
  tokens: number;
  seconds: number | null;
}

/** A budget of steps or tokens takes the FLOPs it takes; a budget in minutes is a time limit, and its steps follow from the rate. */
export function runLength(
  shape: Pick<TrainShape, 'config' | 'contextLength' | 'lora' | 'batchSize'>,
  budget: { steps: number } | { tokens: number } | { minutes: number },
  flopsPerSecond: number | null,
): RunLength {
  const tokensPerStep = shape.batchSize * shape.contextLength;
  const flopsPerStep = tokensPerStep * trainingFlopsPerToken(shape);
  if ('minutes' in budget) {
    const seconds = budget.minutes * 60;
    const steps = flopsPerSecond ? Math.max(1, Math.floor((seconds * flopsPerSecond) / flopsPerStep)) : 0;
    return { steps, tokens: steps * tokensPerStep, seconds };
  }
  const steps = 'steps' in budget ? budget.steps : Math.max(1, Math.ceil(budget.tokens / tokensPerStep));
  return { steps, tokens: steps * tokensPerStep, seconds: flopsPerSecond ? (steps * flopsPerStep) / flopsPerSecond : null };
}
