// The train-step graph: forward, mean cross-entropy, backward (graph/autodiff), global-norm clipping and
// AdamW exactly as torch.optim.AdamW: p <- p * (1 - lr * wd) (decoupled decay), m <- b1 m + (1 - b1) g,
// v <- b2 v + (1 - b2) g^2, p <- p - (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps), bc_i = 1 - b_i^step.
// Parameters and moments are graph inputs and outputs, so the state lives outside the graph.
// A light expert (lora given) differentiates only its adapter's A and B: the base weights are graph inputs
// too, but frozen: no gradient is taken for them, they get no moments and no output, so nothing writes them.
// The gradient graphs (AdamW in JS, step-runner.ts) come whole (gradAccumulateGraph) or, for a full expert's
// small-memory step, as an upper and a lower half run one after the other (splitGradGraphs); stepRuns picks.
import { GroveError } from '../../shared/api/errors';
import { encodeGraph, grad, Graph, type Value } from '../graph';
import type { ModelConfig } from '../model/config';
import { adapterOf } from '../model/llama/adapter';
import { lmHead, llamaHidden, type WeightOf } from '../model/llama/forward';
import { loraSpecs, type LoraConfig } from '../model/lora';
import { parameterSpecs, type ParamSpec } from '../model/names';
import { gradName, stateName } from './state-names';

export interface OptimizerConfig {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** 'matrices': decay linear and embedding weights only (the usual choice); 'all': every parameter. */
  decay: 'matrices' | 'all';
  /** Clip the global gradient norm to this (Infinity = no clipping). */
  maxGradNorm: number;
}

export const DEFAULT_OPTIMIZER: OptimizerConfig = {
  beta1: 0.9,
  beta2: 0.95,
  eps: 1e-8,
  weightDecay: 0.1,
  decay: 'matrices',
  maxGradNorm: 1,
};

export const TRAIN_OUTPUTS = { loss: 'loss', gradNorm: 'grad_norm' } as const;

function decays(spec: ParamSpec, o: OptimizerConfig): boolean {
  return o.decay === 'all' || spec.role === 'linear' || spec.role === 'embedding';
}

/**
 * Global-norm clipping and AdamW on gradients `grads` (one per spec): outputs new.<param>, new.optimizer.m.*,
 * new.optimizer.v.* and grad_norm. Each state input is read by its own update chain, which ends in its
 * output, and by the forward and backward passes, which all finish before the global norm every update
 * depends on: so the caller may bind an output to its input's buffer (the state is updated in place).
 */
function addAdamW(
  g: Graph,
  specs: ParamSpec[],
  params: ReadonlyMap<string, Value>,
  grads: readonly Value[],
  o: OptimizerConfig,
  after?: Value,
): void {
  const ms = specs.map((s) => g.input(stateName('m', s.name), 'float32', s.shape));
  const vs = specs.map((s) => g.input(stateName('v', s.name), 'float32', s.shape));
  const lr = g.input('lr', 'float32', []);
  const bc1 = g.input('bc1', 'float32', []);
  const bc2 = g.input('bc2', 'float32', []);
  const norm = g.sqrt(g.sum(grads.map((d) => g.reduceSum(g.mul(d, d)))));
  // Clip: scale = min(1, max / (norm + 1e-6)), as torch.nn.utils.clip_grad_norm_. Computed from the norm
  // even when max is Infinity (scale 1): every update then waits for every gradient, so no parameter is
  // overwritten in place while the backward pass still reads it.
  // `after` (the loss, with recompute) is added times 0 so that every update also waits for it: with recompute
  // (StepForm) the head's forward feeds only the loss, and could otherwise run after the weights it reads were
  // updated. Without recompute the backward pass reads the head's forward, so the norm already waits for it.
  const waited = after ? g.add(norm, g.mul(after, 0)) : norm;
  const clip = g.minimum(g.div(g.scalar(o.maxGradNorm), g.add(waited, 1e-6)), 1);
  const stepSize = g.div(lr, bc1);
  const sqrtBc2 = g.sqrt(bc2);
  specs.forEach((s, j) => {
    const p = params.get(s.name) as Value;
    const d = g.mul(grads[j] as Value, clip);
    const m = g.add(g.mul(ms[j] as Value, o.beta1), g.mul(d, 1 - o.beta1));
    const v = g.add(g.mul(vs[j] as Value, o.beta2), g.mul(g.mul(d, d), 1 - o.beta2));
    const decayed = decays(s, o) && o.weightDecay > 0 ? g.mul(p, g.sub(1, g.mul(lr, o.weightDecay))) : p;
    const denom = g.add(g.div(g.sqrt(v), sqrtBc2), o.eps);
    g.output(stateName('param', s.name, true), g.sub(decayed, g.mul(stepSize, g.div(m, denom))));
    g.output(stateName('m', s.name, true), m);
    g.output(stateName('v', s.name, true), v);
  });
  g.output(TRAIN_OUTPUTS.gradNorm, norm);
}

/** The tensors a step trains: every parameter of a full expert, or a light expert's adapter factors. */
export function trainableSpecs(config: ModelConfig, lora?: LoraConfig): ParamSpec[] {
  return lora ? loraSpecs(config, lora) : parameterSpecs(config);
}

/** Base weights a light expert's step reads but never trains (none for a full expert). */
export function frozenSpecs(config: ModelConfig, lora?: LoraConfig): ParamSpec[] {
  return lora ? parameterSpecs(config) : [];
}

interface ModelInputs {
  /** Trainable tensors by name, in trainableSpecs order. */
  params: Map<string, Value>;
  specs: ParamSpec[];
  /** Mean next-token cross-entropy over ids, targets [B, T], in the plain (differentiable) form. */
  meanLoss: (ids: Value, targets: Value) => Value;
}

/** How a step's graph is built: a light expert's adapter (absent: a full expert), and activation recompute. */
export interface StepForm {
  lora?: LoraConfig;
  /**
   * Activation checkpointing: every layer and every HEAD_CHUNK positions of the head and loss are recompute
   * regions (Graph.recompute), so the backward pass rebuilds their activations instead of the forward keeping
   * them: about one more forward pass of compute for a step whose activations are the layers' inputs plus one
   * layer's (or one chunk's logits) at a time.
   */
  recompute?: boolean;
  /** With recompute: positions per chunk of the head and loss (default HEAD_CHUNK). */
  headChunk?: number;
}

/** The most trainable parameters a step of one micro-batch runs fused (step-runner.ts says why). */
export const FUSED_MAX_PARAMETERS = 25_000_000;

/**
 * The graphs a trainer runs a step as: 'fused' (one graph with AdamW inside; one micro-batch, at most
 * FUSED_MAX_PARAMETERS trainable unless `fused` says otherwise), 'gradient' (a gradient graph per micro-batch,
 * AdamW in JS) or 'split' (the gradient form as two runs, splitGradGraphs: a full expert's small-memory step).
 */
export function stepRuns(
  config: ModelConfig,
  o: {
    trainable: number;
    microBatches: number;
    fused?: boolean | undefined;
    recompute?: boolean | undefined;
    lora?: LoraConfig | undefined;
  },
): 'fused' | 'gradient' | 'split' {
  if (o.microBatches === 1 && (o.fused ?? o.trainable <= FUSED_MAX_PARAMETERS)) return 'fused';
  return o.recompute && !o.lora && config.numHiddenLayers > 1 ? 'split' : 'gradient';
}

/** Positions per recompute region of the head and loss: [HEAD_CHUNK, V] logits exist at a time. */
export const HEAD_CHUNK = 256;

/** Sum of the cross-entropy over every position, `chunk` positions at a time, each a recompute region. */
function chunkedLossSum(g: Graph, config: ModelConfig, weight: WeightOf, hidden: Value, targets: Value, chunk: number): Value {
  const [B, T, C] = hidden.shape as [number, number, number];
  const N = B * T;
  const sizes = Array.from({ length: Math.ceil(N / chunk) }, (_, i) => Math.min(chunk, N - i * chunk));
  const hs = g.split(g.reshape(hidden, [N, C]), 0, sizes);
  const ts = g.split(g.reshape(targets, [N]), 0, sizes);
  return g.sum(
    hs.map((h, i) =>
      g.scope(`head/chunk${i}`, () => g.recompute(() => g.reduceSum(g.softmaxCrossEntropy(lmHead(g, config, weight, h), ts[i]!)))),
    ),
  );
}

/** Inputs for the trainable tensors, the frozen ones (light experts: the base) and the loss built on them. */
function modelInputs(g: Graph, config: ModelConfig, { lora, recompute, headChunk = HEAD_CHUNK }: StepForm): ModelInputs {
  const specs = trainableSpecs(config, lora);
  const params = paramInputs(g, specs);
  const frozen = paramInputs(g, frozenSpecs(config, lora));
  const lookup =
    (from: ReadonlyMap<string, Value>) =>
    (name: string): Value => {
      const v = from.get(name);
      if (!v) throw new GroveError('internal', `The training graph has no tensor ${name}, which the model's forward asked for.`);
      return v;
    };
  const weight = lookup(lora ? frozen : params);
  const adapter = lora && adapterOf(config, lora, lookup(params));
  const meanLoss = (ids: Value, targets: Value): Value => {
    const { hidden } = llamaHidden(g, config, weight, ids, { ...(adapter ? { adapter } : {}), ...(recompute ? { recompute } : {}) });
    return headLoss(g, config, weight, hidden, targets, recompute ? headChunk : undefined);
  };
  return { params, specs, meanLoss };
}

/** Mean cross-entropy of the head on `hidden`: whole, or `chunk` positions per recompute region. */
function headLoss(g: Graph, config: ModelConfig, weight: WeightOf, hidden: Value, targets: Value, chunk: number | undefined): Value {
  if (chunk === undefined) return g.reduceMean(g.softmaxCrossEntropy(lmHead(g, config, weight, hidden), targets));
  const [B, T] = targets.shape as [number, number];
  return g.div(chunkedLossSum(g, config, weight, hidden, targets, chunk), B * T);
}

const paramInputs = (g: Graph, specs: ParamSpec[]): Map<string, Value> =>
  new Map(specs.map((s) => [s.name, g.input(stateName('param', s.name), 'float32', s.shape)]));

/**
 * Inputs: every trainable tensor (and for a light expert every base weight), optimizer.m.*, optimizer.v.* of
 * the trainable ones, lr, bc1, bc2 (scalars), input_ids, targets [B, T].
 */
export function trainStepGraph(
  config: ModelConfig,
  B: number,
  T: number,
  o: OptimizerConfig = DEFAULT_OPTIMIZER,
  form: StepForm = {},
): Uint8Array {
  const g = new Graph('grove_train_step');
  const { params, specs, meanLoss } = modelInputs(g, config, form);
  const ids = g.input('input_ids', 'int64', [B, T]);
  const targets = g.input('targets', 'int64', [B, T]);
  const loss = meanLoss(ids, targets);
  addAdamW(g, specs, params, grad(loss, [...params.values()]), o, form.recompute ? loss : undefined);
  g.output(TRAIN_OUTPUTS.loss, loss);
  return encodeGraph(g);
}

/**
 * One micro-batch of an accumulated step: new.grad.<name> = grad.<name> + loss_scale * d(loss)/d(param),
 * and the micro-batch's mean loss. With loss_scale = 1/M over M equal micro-batches the accumulator ends
 * as the gradient of the whole batch's mean loss, while activations only ever exist for one micro-batch.
 * Without `accumulate` (a step of one micro-batch) there is no grad.<name> input: new.grad.<name> is
 * loss_scale * d(loss)/d(param) itself.
 */
export function gradAccumulateGraph(
  config: ModelConfig,
  B: number,
  T: number,
  { accumulate = true, ...form }: StepForm & { accumulate?: boolean } = {},
): Uint8Array {
  const g = new Graph(accumulate ? 'grove_grad_accumulate' : 'grove_grad');
  const { params, specs, meanLoss } = modelInputs(g, config, form);
  const accs = accumulate ? specs.map((s) => g.input(gradName(s.name), 'float32', s.shape)) : [];
  const scale = g.input('loss_scale', 'float32', []);
  const ids = g.input('input_ids', 'int64', [B, T]);
  const targets = g.input('targets', 'int64', [B, T]);
  const loss = meanLoss(ids, targets);
  grad(loss, [...params.values()], { seed: scale }).forEach((d, j) =>
    g.output(gradName(specs[j]!.name, true), accumulate ? g.add(accs[j] as Value, d) : d),
  );
  g.output(TRAIN_OUTPUTS.loss, loss);
  return encodeGraph(g);
}

/** The gradient at the cut of a split backward pass (splitGradGraphs): out of the upper run, into the lower. */
export const CUT_GRADIENT = 'cut.dx';

/**
 * The tied embedding as the layers read it (the lookup), a second graph input over the same buffer: the upper
 * run then differentiates the head's use of it alone, and no gradient flows below the cut.
 */
export const LOOKUP_EMBEDDING = 'lookup.model.embed_tokens.weight';

export interface SplitGradGraphs {
  /** Forward, loss and the backward pass down to layer `cut`'s input: new.grad.* of upperSpecs, cut.dx, loss. */
  upper: Uint8Array;
  /** The layers below `cut` again and their backward pass from cut.dx: new.grad.* of lowerSpecs. */
  lower: Uint8Array;
  /** Tensors whose gradient each run writes; a tied embedding is in both (the head's use, then the lookup's). */
  upperSpecs: ParamSpec[];
  lowerSpecs: ParamSpec[];
  /** The first layer of the upper run. */
  cut: number;
}

/**
 * A full expert's gradient step (gradAccumulateGraph, with recompute) as two runs, so that each run hands back
 * about half the gradients: onnxruntime-node copies every fetched output, and on a large model that copy
 * (540 MB on SmolLM2-135M), alive beside the state it is copied from, is what a small-memory step peaks on.
 * The upper run is the whole forward pass and the backward pass down to the residual stream x entering layer
 * `cut` (through layer `cut`'s input norm, whose weight is the upper run's), and outputs x's gradient dx; the
 * lower run builds the first `cut` layers again from the ids and differentiates sum(x * dx) through them,
 * which seeds their backward pass with exactly that gradient. The cost is one more forward pass of the lower
 * layers (and of layer cut - 1 in the upper run: the norm's backward replays its recompute region). A tensor's
 * gradient accumulates as in gradAccumulateGraph (grad.<name> in when `accumulate`); a tied embedding's lower
 * gradient always adds to what the upper run wrote.
 */
export function splitGradGraphs(
  config: ModelConfig,
  B: number,
  T: number,
  { accumulate = true, headChunk = HEAD_CHUNK }: { accumulate?: boolean; headChunk?: number } = {},
  cut = Math.floor(config.numHiddenLayers / 2),
): SplitGradGraphs {
  if (!Number.isInteger(cut) || cut < 1 || cut >= config.numHiddenLayers)
    throw new GroveError('internal', `splitGradGraphs: cut ${cut} leaves no layer on one side of ${config.numHiddenLayers}.`);
  const specs = parameterSpecs(config);
  const embed = specs[0]!;
  const tied = config.tieWordEmbeddings;
  const accumulated = (g: Graph, s: ParamSpec, d: Value, always: boolean): void =>
    g.output(gradName(s.name, true), accumulate || always ? g.add(g.input(gradName(s.name), 'float32', s.shape), d) : d);
  const weightOf =
    (from: ReadonlyMap<string, Value>): WeightOf =>
    (name) => {
      const v = from.get(name);
      if (!v) throw new GroveError('internal', `The split training graph has no tensor ${name}, which the model's forward asked for.`);
      return v;
    };

  const up = new Graph('grove_grad_upper');
  const params = paramInputs(up, specs);
  const lookup = new Map(params);
  if (tied) lookup.set(embed.name, up.input(LOOKUP_EMBEDDING, 'float32', embed.shape));
  const scale = up.input('loss_scale', 'float32', []);
  const ids = up.input('input_ids', 'int64', [B, T]);
  const targets = up.input('targets', 'int64', [B, T]);
  const { hidden, layerInputs } = llamaHidden(up, config, weightOf(lookup), ids, { recompute: true });
  const loss = headLoss(up, config, weightOf(params), hidden, targets, headChunk);
  // A tensor is the upper run's when every node that reads it comes after x (layer cut's input norm, the
  // layers above, the final norm, the head); otherwise the lower run's. None may be read on both sides.
  const x = layerInputs[cut]!.x;
  const cutIndex = x.node!.index;
  const side = new Map<Value, 'upper' | 'lower' | 'both'>();
  for (const node of up.nodes)
    for (const v of node.inputs) {
      const here = node.index > cutIndex ? 'upper' : 'lower';
      const was = side.get(v);
      side.set(v, was && was !== here ? 'both' : here);
    }
  const upperSpecs = specs.filter((s) => side.get(params.get(s.name)!) === 'upper');
  const split = specs.find((s) => side.get(params.get(s.name)!) === 'both');
  if (split) throw new GroveError('internal', `splitGradGraphs: ${split.name} is read on both sides of layer ${cut}.`);
  const upperGrads = grad(loss, [...upperSpecs.map((s) => params.get(s.name)!), x], { seed: scale });
  upperSpecs.forEach((s, j) => accumulated(up, s, upperGrads[j]!, false));
  up.output(CUT_GRADIENT, upperGrads[upperSpecs.length]!);
  up.output(TRAIN_OUTPUTS.loss, loss);

  const upperNames = new Set(upperSpecs.map((s) => s.name));
  const lowerSpecs = specs.filter((s) => !upperNames.has(s.name) || (tied && s === embed));
  const low = new Graph('grove_grad_lower');
  // Every weight the first `cut` layers read, layer cut's input norm included (its output is not used here).
  const lowerParams = new Map<string, Value>();
  const lowerWeight: WeightOf = (name) => {
    let v = lowerParams.get(name);
    if (!v) lowerParams.set(name, (v = low.input(name, 'float32', weightOf(params)(name).shape)));
    return v;
  };
  const lowIds = low.input('input_ids', 'int64', [B, T]);
  const dx = low.input(CUT_GRADIENT, 'float32', [B, T, config.hiddenSize]);
  const { residual } = llamaHidden(low, config, lowerWeight, lowIds, { recompute: true, layers: cut });
  const grads = grad(
    low.reduceSum(low.mul(residual, dx)),
    lowerSpecs.map((s) => lowerWeight(s.name)),
  );
  lowerSpecs.forEach((s, j) => accumulated(low, s, grads[j]!, upperNames.has(s.name)));
  return { upper: encodeGraph(up), lower: encodeGraph(low), upperSpecs, lowerSpecs, cut };
}

/** Whether a parameter gets decoupled weight decay. */
export function decaysWeight(spec: ParamSpec, o: OptimizerConfig): boolean {
  return decays(spec, o) && o.weightDecay > 0;
}

/** Forward-only loss graph for validation: parameters, input_ids, targets -> loss. */
export function evalLossGraph(config: ModelConfig, B: number, T: number, lora?: LoraConfig): Uint8Array {
  const g = new Graph('grove_eval_loss');
  const { meanLoss } = modelInputs(g, config, lora ? { lora } : {});
  const ids = g.input('input_ids', 'int64', [B, T]);
  const targets = g.input('targets', 'int64', [B, T]);
  g.output(TRAIN_OUTPUTS.loss, meanLoss(ids, targets));
  return encodeGraph(g);
}
