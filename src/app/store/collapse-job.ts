// Collapse (btm.md "Use the forest": parameter average), in a worker: theta = sum_j w_j theta_j over the
// chosen models, with uniform, manual, or posterior weights (the cached prior of the models on a target,
// the paper's best; estimated here when none is cached); or another merge method (task arithmetic, TIES,
// DARE over the seed, SLERP of two) with those weights. Light experts over one base collapse exactly, into a
// full model or, kept light, into one light model over that base. The result is stored; the owner makes it a model.
import { z } from 'zod';
import { MergeMethodName, MergeSettings } from '../../shared/api/merge-methods';
import type { MergeInput } from '../../engine/forest/merge/method';
import type { MergeModelsRequest } from '../../engine/forest/merge/merge-models';
import { mergeMethod } from '../../engine/forest/merge/registry';
import type { JobContext } from '../jobs/protocol';
import { parsePriorTarget } from '../forest/prior-store';
import { averagingWeights, type AveragingChoice } from '../../engine/forest/weights';
import { estimateTargetPrior, PRIOR_WINDOWS, StoredRef, TargetText, type PriorRecord } from './prior-job';
import { sharedLightBase } from '../../engine/forest/light-base';
import { GroveError } from '../../shared/api/errors';
import { normaliseWeights } from '../../engine/model/average';
import { CollapseKeep } from '../../shared/api/schemas-forest';
import type { LoraConfig } from '../../engine/model/lora';
import { storeLightCollapse, storeLightConcat } from './adapter-store';
import { storeAverage, storedModelFolder, storeMerge } from './model-store';
import { lightBaseOf } from './stored-scorers';

export const CollapseJobPayload = z
  .object({
    name: z.string(),
    models: z.array(StoredRef).min(2),
    weighting: z.union([
      z.object({ kind: z.literal('uniform') }).strict(),
      /** One weight per model, in order (renormalised; zeros leave a model out). */
      z.object({ kind: z.literal('manual'), weights: z.array(z.number().min(0)) }).strict(),
      /** The cached prior over exactly these models when the catalog had one, else estimated on the target's text. */
      z
        .object({
          kind: z.literal('posterior'),
          target: z.string(),
          prior: z.array(z.number()).nullable(),
          text: TargetText,
          sequences: z.number().int().positive().default(100),
        })
        .strict(),
    ]),
    method: MergeMethodName.default('linear'),
    settings: MergeSettings.default({}),
    /** The forest's seed: the base the task-vector methods take each expert's difference from. */
    base: StoredRef.nullable().default(null),
    /** 'light': light experts over one base collapse into a light model (their adapters concatenated), not a full one. */
    keep: CollapseKeep.default('full'),
  })
  .strict();
export type CollapseJobPayload = z.input<typeof CollapseJobPayload>;

export interface CollapsedRecord {
  kind: 'collapsed';
  name: string;
  sha256: string;
  bytes: number;
  parents: { modelId: number; weight: number }[];
  /** A collapse kept light: the base its adapter is added to and the adapter's LoRA settings; null for a full model. */
  light: { baseSha256: string; lora: LoraConfig } | null;
}

/** A collapse's models with the weights they merge with (a parent at 0 is left out), and the prior where one was estimated. */
export interface CollapseWeights {
  used: { ref: StoredRef; weight: number }[];
}

/** The weights of a collapse (or of a trial of the methods): uniform, manual, or the posterior on the target, estimated (and recorded) when none is cached. */
export async function collapseWeights(
  p: Pick<z.output<typeof CollapseJobPayload>, 'models' | 'weighting'>,
  ctx: JobContext,
): Promise<CollapseWeights> {
  const w = p.weighting;
  const experts = p.models.map((m) => ({ id: m.id, name: m.name }));
  let choice: AveragingChoice;
  if (w.kind === 'uniform') choice = { method: 'uniform' };
  else if (w.kind === 'manual')
    choice = { method: 'manual', weights: Object.fromEntries(p.models.map((m, j) => [m.name, w.weights[j] ?? 0])) };
  else {
    let prior = w.prior;
    if (!prior) {
      const record: PriorRecord = await estimateTargetPrior(
        ctx.forestHome,
        { target: w.target, experts: p.models, text: w.text, sequences: w.sequences, contextLength: PRIOR_WINDOWS.contextLength },
        ctx.signal,
        ctx.log,
      );
      ctx.record(record);
      prior = record.weights;
    }
    choice = { method: 'posterior', prior: { target: parsePriorTarget(w.target), modelIds: experts.map((e) => e.id), weights: prior } };
  }
  // The weights through the forest's one definition of them (forest/weights.ts); a parent at 0 gives nothing.
  return { used: averagingWeights(experts, choice).map((pw) => ({ ref: p.models.find((m) => m.id === pw.modelId)!, weight: pw.weight })) };
}

/** The stored models as a merge's inputs, with their weights. */
export function mergeInputs(home: string, used: CollapseWeights['used']): MergeInput[] {
  return used.map(({ ref, weight }) => ({
    folder: storedModelFolder(home, ref.sha256),
    weight,
    label: ref.name,
    tokenizerSha256: ref.tokenizerSha256,
  }));
}

/** A merge by any method other than plain linear: the settings a person gives as the method's parameters, the seed as the base. */
export function mergeRequest(
  home: string,
  method: MergeMethodName,
  settings: MergeSettings,
  inputs: MergeInput[],
  base: StoredRef | null,
): Omit<MergeModelsRequest, 'outFolder'> {
  const { density, t, normalize, seed } = settings;
  return {
    method: mergeMethod(method),
    inputs,
    base: base
      ? { folder: storedModelFolder(home, base.sha256), weight: 1, label: base.name, tokenizerSha256: base.tokenizerSha256 }
      : null,
    perModel: density !== undefined ? { density: inputs.map(() => density) } : {},
    global: { ...(t !== undefined ? { t } : {}), ...(normalize !== undefined ? { normalize } : {}) },
    ...(seed !== undefined ? { seed } : {}),
  };
}

export async function runCollapseJob(input: unknown, ctx: JobContext): Promise<CollapsedRecord> {
  const p = CollapseJobPayload.parse(input);
  ctx.progress({ done: 0, total: 2 });
  const { used } = await collapseWeights(p, ctx);
  ctx.progress({ done: 1, total: 2 });
  const inputs = mergeInputs(ctx.forestHome, used);
  let stored: { sha256: string; bytes: number; weights: number[] };
  let light: CollapsedRecord['light'] = null;
  const bases = await Promise.all(used.map(({ ref }) => lightBaseOf(storedModelFolder(ctx.forestHome, ref.sha256))));
  if (p.keep === 'light' || bases.some((b) => b !== null)) {
    // Light experts collapse exactly, W0 + sum_j w_j B_j A_j: into one full model over their shared base, or
    // kept light as one adapter over it (the parents' factors concatenated, rank = the sum of theirs).
    const base = sharedLightBase(
      used.map((u, j) => ({ name: u.ref.name, base: bases[j]! })),
      p.keep,
    );
    if (p.method !== 'linear' || Object.keys(p.settings).length > 0)
      throw new GroveError(
        'unsupported',
        `Light experts collapse by their weighted average (linear), exactly; ${p.method} works on full models. Choose linear for light experts.`,
      );
    const weights = normaliseWeights(used.map((u) => u.weight));
    const parts = used.map((u, j) => ({ sha256: u.ref.sha256, weight: weights[j]!, label: u.ref.name }));
    const tokenizerSha256 = used[0]!.ref.tokenizerSha256;
    if (p.keep === 'light') {
      const adapter = await storeLightConcat(ctx.forestHome, { baseSha256: base, tokenizerSha256 }, parts);
      stored = { sha256: adapter.sha256, bytes: adapter.bytes, weights };
      light = { baseSha256: base, lora: adapter.lora };
    } else stored = { ...(await storeLightCollapse(ctx.forestHome, base, parts, tokenizerSha256)), weights };
  } else if (p.method === 'linear' && Object.keys(p.settings).length === 0) stored = await storeAverage(ctx.forestHome, inputs);
  else {
    const merged = await storeMerge(ctx.forestHome, mergeRequest(ctx.forestHome, p.method, p.settings, inputs, p.base));
    // The lineage shows how much of each parent went in: the weights, or SLERP's (1 - t, t).
    const t = p.settings.t;
    const shares = p.method === 'slerp' ? [1 - (t ?? 0), t ?? 0] : used.map((u) => u.weight);
    stored = { ...merged, weights: shares };
  }
  const record: CollapsedRecord = {
    kind: 'collapsed',
    name: p.name,
    sha256: stored.sha256,
    bytes: stored.bytes,
    parents: used.map((u, j) => ({ modelId: u.ref.id, weight: stored.weights[j]! })),
    light,
  };
  ctx.record(record);
  ctx.progress({ done: 2, total: 2 });
  return record;
}
