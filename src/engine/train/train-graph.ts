// The train-step graph: forward, mean cross-entropy, backward (graph/autodiff), global-norm clipping and
// AdamW exactly as torch.optim.AdamW: p <- p * (1 - lr * wd) (decoupled decay), m <- b1 m + (1 - b1) g,
// v <- b2 v + (1 - b2) g^2, p <- p - (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps), bc_i = 1 - b_i^step.
// Parameters and moments are graph inputs and outputs, so the state lives outside the graph.
// A light expert (lora given) differentiates only its adapter's A and B: the base weights are graph inputs
// too, but frozen: no gradient is taken for them, they get no moments and no output, so nothing writes them.
// The gradient graphs (AdamW in JS, step-runner.ts) come whole (gradAccumulateGraph) or, for a full expert's
// small-memory step, as runs over layer ranges, top first, one after the other (splitGradGraphs); stepRuns picks.
import { GroveError } from '../../shared/api/errors';
import { encodeGraph, grad, Graph, type Value } from '../graph';
import type { ModelConfig } from '../model/config';
import { adapterOf } from '../model/llama/adapter';
import { lmHead, llamaHidden, type WeightOf } from '../model/llama/forward';
import { loraSpecs, type LoraConfig } from '../model/lora';
import { elementCount, parameterSpecs, type ParamSpec } from '../model/names';
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
 * AdamW in JS) or 'split' (the gradient form as several runs, splitGradGraphs: a full expert's small-memory step).
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

/** The graph inputs `from` as the model's forward asks for its weights by name. */
function inputOf(from: ReadonlyMap<string, Value>): WeightOf {
  return (name) => {
    const v = from.get(name);
    if (!v) throw new GroveError('internal', `The training graph has no tensor ${name}, which the model's forward asked for.`);
    return v;
  };
}

/** Inputs for the trainable tensors, the frozen ones (light experts: the base) and the loss built on them. */
function modelInputs(g: Graph, config: ModelConfig, { lora, recompute, headChunk = HEAD_CHUNK }: StepForm): ModelInputs {
  const specs = trainableSpecs(config, lora);
  const params = paramInputs(g, specs);
  const frozen = paramInputs(g, frozenSpecs(config, lora));
  const weight = inputOf(lora ? frozen : params);
  const adapter = lora && adapterOf(config, lora, inputOf(params));
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

/** The gradient at layer `layer`'s input in a split backward pass (splitGradGraphs): out of the run above, into the one below. */
export function cutGradient(layer: number): string {
  return `cut.${layer}.dx`;
}

/** The residual stream entering layer `layer`, out of the top run of a split backward pass, into the run that starts there. */
export function cutResidual(layer: number): string {
  return `cut.${layer}.x`;
}

/**
 * The tied embedding as the layers read it (the lookup), a second graph input over the same buffer: the top
 * run then differentiates the head's use of it alone, and no gradient flows below the cut.
 */
export const LOOKUP_EMBEDDING = 'lookup.model.embed_tokens.weight';

/**
 * Runs of a split backward pass. SmolLM2-135M at 4 x 256: about 225 MB of gradients a run against 326 MB in two;
 * peak RSS 2912-2918 MB against 2932-3000 MB in two runs, steps about 3 % slower (fresh processes, alternating,
 * 2026-12-05); one run a layer where a model has fewer layers.
 */
export const SPLIT_RUNS = 3;

export interface SplitRun {
  graph: Uint8Array;
  /** Tensors whose gradient the run writes; a tied embedding is the top run's and the bottom run's. */
  specs: ParamSpec[];
}

export interface SplitGradGraphs {
  /**
   * Top first: the whole forward pass, the loss and the backward pass down to layer cuts[0]'s input; then each
   * run below the layers between two cuts (the bottom run: below the last cut).
   */
  runs: SplitRun[];
  /** The first layer of each run but the bottom one, descending. */
  cuts: number[];
}

/**
 * Cuts that split the layers into `runs` runs handing back about as many gradient values each: the top run
 * also hands back the head's matrix and the bottom one the embedding's, each as large as several layers on
 * a large vocabulary. Every run keeps at least one layer.
 */
export function balancedCuts(config: ModelConfig, runs: number): number[] {
  const L = config.numHiddenLayers;
  const R = Math.min(runs, L);
  // Two runs: each has one vocabulary matrix, so half the layers each.
  if (R <= 2) return R === 2 ? [L - Math.floor(L / 2)] : [];
  const specs = parameterSpecs(config);
  const layer = specs.filter((s) => s.name.startsWith('model.layers.0.')).reduce((n, s) => n + elementCount(s.shape), 0);
  const vocabMatrix = config.vocabSize * config.hiddenSize;
  const perRun = (2 * vocabMatrix + L * layer) / R;
  // Layers for the top and the bottom run beside their vocabulary matrix, leaving one for each run between.
  const end = Math.max(1, Math.min(Math.floor((L - (R - 2)) / 2), Math.round((perRun - vocabMatrix) / layer)));
  const middle = L - 2 * end;
  return Array.from({ length: R - 1 }, (_, i) => L - end - Math.round((i * middle) / (R - 2)));
}

/**
 * A full expert's gradient step (gradAccumulateGraph, with recompute) as several runs, so that each run hands
 * back a part of the gradients: onnxruntime-node copies every fetched output, and on a large model that copy
 * (540 MB on SmolLM2-135M), alive beside the state it is copied from, is what a small-memory step peaks on.
 * The top run is the whole forward pass and the backward pass down to the residual stream x entering layer
 * cuts[0] (through that layer's input norm, whose weight is the top run's), and outputs x's gradient dx and
 * the stream entering each lower cut. Each run below builds its layers again, from the stream at its lower
 * cut (the bottom run: from the ids), and differentiates sum(x * dx) through them, which seeds their backward
 * pass with exactly that gradient, and outputs the gradient at its lower cut for the next run. The cost is one
 * more forward pass of the layers below cuts[0] (and of the layer under each cut in the run above: the norm's
 * backward replays its recompute region). Which run a tensor belongs to is read off the top graph (every
 * node that reads it lies between the same two cuts); one read across a cut is refused. A tensor's gradient
 * accumulates as in gradAccumulateGraph (grad.<name> in when `accumulate`); a tied embedding's bottom
 * gradient always adds to what the top run wrote.
 */
export function splitGradGraphs(
  config: ModelConfig,
  B: number,
  T: number,
  { accumulate = true, headChunk = HEAD_CHUNK }: { accumulate?: boolean; headChunk?: number } = {},
  cuts = balancedCuts(config, SPLIT_RUNS),
): SplitGradGraphs {
  const L = config.numHiddenLayers;
  if (cuts.length === 0 || cuts.some((c, i) => !Number.isInteger(c) || c < 1 || c >= L || (i > 0 && c >= cuts[i - 1]!)))
    throw new GroveError('internal', `splitGradGraphs: cuts ${cuts.join(', ')} leave a run without a layer of ${L}.`);
  const specs = parameterSpecs(config);
  const embed = specs[0]!;
  const tied = config.tieWordEmbeddings;
  const accumulated = (g: Graph, s: ParamSpec, d: Value, always: boolean): void =>
    g.output(gradName(s.name, true), accumulate || always ? g.add(g.input(gradName(s.name), 'float32', s.shape), d) : d);

  const top = new Graph('grove_grad_split_0');
  const params = paramInputs(top, specs);
  const lookup = new Map(params);
  if (tied) lookup.set(embed.name, top.input(LOOKUP_EMBEDDING, 'float32', embed.shape));
  const scale = top.input('loss_scale', 'float32', []);
  const ids = top.input('input_ids', 'int64', [B, T]);
  const targets = top.input('targets', 'int64', [B, T]);
  const paramOf = inputOf(params);
  const { hidden, layerInputs } = llamaHidden(top, config, inputOf(lookup), ids, { recompute: true });
  const loss = headLoss(top, config, paramOf, hidden, targets, headChunk);
  // A node is run r's where it comes after the stream entering layer cuts[r] is made (the top run's: cuts[0]'s),
  // and before the stream entering cuts[r - 1] is; the bottom run's where it comes before the last cut's.
  const bounds = cuts.map((c) => layerInputs[c]!.x.node!.index);
  const runOfNode = (index: number): number => {
    const r = bounds.findIndex((b) => index > b);
    return r === -1 ? cuts.length : r;
  };
  const runOf = new Map<Value, number | 'several'>();
  for (const node of top.nodes)
    for (const v of node.inputs) {
      const here = runOfNode(node.index);
      const was = runOf.get(v);
      runOf.set(v, was !== undefined && was !== here ? 'several' : here);
    }
  const across = specs.find((s) => runOf.get(params.get(s.name)!) === 'several');
  if (across) throw new GroveError('internal', `splitGradGraphs: ${across.name} is read across a cut (${cuts.join(', ')}).`);
  const specsOf = (r: number) => specs.filter((s) => runOf.get(params.get(s.name)!) === r || (tied && s === embed && r === cuts.length));

  const topSpecs = specsOf(0);
  const topGrads = grad(loss, [...topSpecs.map((s) => params.get(s.name)!), layerInputs[cuts[0]!]!.x], { seed: scale });
  topSpecs.forEach((s, j) => accumulated(top, s, topGrads[j]!, false));
  top.output(cutGradient(cuts[0]!), topGrads[topSpecs.length]!);
  top.output(TRAIN_OUTPUTS.loss, loss);
  // Where a run between two cuts starts: the stream the forward pass made there.
  for (const c of cuts.slice(1)) top.output(cutResidual(c), layerInputs[c]!.x);
  const runs: SplitRun[] = [{ graph: encodeGraph(top), specs: topSpecs }];

  for (let r = 1; r <= cuts.length; r++) {
    const upper = cuts[r - 1]!;
    const lower = r < cuts.length ? cuts[r]! : null;
    const g = new Graph(`grove_grad_split_${r}`);
    // Every weight the layers under `upper` read (layer upper's input norm too: its output is not used here).
    const inputs = new Map<string, Value>();
    const weight: WeightOf = (name) => {
      let v = inputs.get(name);
      if (!v) inputs.set(name, (v = g.input(name, 'float32', paramOf(name).shape)));
      return v;
    };
    const runIds = g.input('input_ids', 'int64', [B, T]);
    const dx = g.input(cutGradient(upper), 'float32', [B, T, config.hiddenSize]);
    const stream = lower === null ? null : g.input(cutResidual(lower), 'float32', [B, T, config.hiddenSize]);
    const built = llamaHidden(g, config, weight, runIds, {
      recompute: true,
      layers: upper,
      ...(stream && lower !== null ? { start: { layer: lower, x: stream } } : {}),
    });
    const runSpecs = specsOf(r);
    const wrt = [...runSpecs.map((s) => weight(s.name)), ...(stream ? [stream] : [])];
    const grads = grad(g.reduceSum(g.mul(built.residual, dx)), wrt);
    runSpecs.forEach((s, j) => accumulated(g, s, grads[j]!, tied && s === embed));
    if (lower !== null) g.output(cutGradient(lower), grads[runSpecs.length]!);
    runs.push({ graph: encodeGraph(g), specs: runSpecs });
  }
  return { runs, cuts };
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
