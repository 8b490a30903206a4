// Branch, train and merge one expert, in a worker (btm.md "The four operations"): the domain posterior of
// the new domain over the existing experts (estimated on a sample of its train split unless a fresh one was
// cached), the branch init (posterior-weighted average of the top-k, the seed, or the nearest expert) stored
// as weights, then training on the domain alone, then the trained weights stored. Each phase's outcome goes
// to the owner as a record for the catalog; a resumed job skips what is done (branch.json, checkpoints).
// The dense baseline (api/baseline-plan.ts) is this job without a branch: the seed trained on a mix of domains.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { TrainProgress } from '../../shared/api/events';
import { BranchInitKind, DEFAULT_LIGHT_START, LightStart } from '../../shared/api/schemas-forest';
import { writeFileDurable } from '../../engine/durable-write';
import { CACHED_PRIOR_DEFAULTS } from '../../engine/forest/prior';
import { priorTarget } from '../forest/prior-store';
import { branchParents, type ParentWeight } from '../../engine/forest/weights';
import type { JobContext } from '../jobs/protocol';
import { WEIGHTS_FILE } from '../../engine/model/folder';
import { chooseProvider, type ProviderPreference } from '../../engine/runtime/providers';
import { LORA_TARGETS, type LoraConfig } from '../../engine/model/lora';
import { runTrainJob } from '../../engine/train/train-job';
import { lightBranchStart, type LightStartRecord } from '../../engine/forest/light-start';
import { readPeftAdapterFor } from '../../engine/model/peft-import';
import { ADAPTER_CONFIG_FILE, parseAdapterConfig } from '../../engine/model/adapter-folder';
import { writeExpertBundle } from '../bundle/write';
import { baseConfig, storeAdapter, storeAdapterFolder, storeFreshAdapter } from './adapter-store';
import { forestTokenizerSha256 } from './init';
import { storeAverage, storedModelFolder, storeModelFolder } from './model-store';
import { estimateDomainsPrior, StoredRef, withModels } from './prior-job';
import { TrainingSettings, trainJobSettings } from './training-settings';

export const ExpertJobPayload = z
  .object({
    modelId: z.number().int(),
    name: z.string(),
    domain: z.string(),
    /** The domain's shards; or `mixDirs`: the train splits of several domains, mixed by size (the dense baseline). */
    domainDir: z.string().optional(),
    mixDirs: z.array(z.string()).min(1).optional(),
    runDir: z.string(),
    /** Make the model's init first; absent when the model was branched already (`grove train`). */
    branch: z
      .object({
        init: BranchInitKind,
        topK: z.number().int().positive(),
        candidates: z.array(StoredRef),
        seed: StoredRef,
        /** A cached prior of this domain over exactly the candidates, if the catalog had one. */
        prior: z.object({ modelIds: z.array(z.number().int()), weights: z.array(z.number()), sequences: z.number().int() }).nullable(),
        priorSequences: z.number().int().positive().default(CACHED_PRIOR_DEFAULTS.sequences),
      })
      .strict()
      .optional(),
    /** Train from these weights when not branching (the model's own, to train it further). */
    startSha256: z.string().optional(),
    /**
     * A light expert: low-rank adapters over the stored base `baseSha256` (frozen). Its weights (startSha256,
     * the branch's result, the trained result) are adapters in the store; candidates are light experts over the same base.
     */
    light: z
      .object({
        baseSha256: z.string(),
        rank: z.number().int().positive(),
        alpha: z.number().positive(),
        targets: z.array(z.enum(LORA_TARGETS)).min(1),
        /** How a branch from light parents starts, as the person asked (absent: DEFAULT_LIGHT_START). */
        start: LightStart.optional(),
      })
      .strict()
      .optional(),
    /** Training: the run's id, settings and budget; absent for a branch alone. */
    train: z
      .object({
        runId: z.number().int(),
        settings: TrainingSettings,
        budget: z.union([z.object({ steps: z.number().int().positive() }).strict(), z.object({ minutes: z.number().positive() }).strict()]),
        device: z.enum(['auto', 'cpu', 'cuda', 'webgpu', 'dml', 'coreml']),
      })
      .strict()
      .optional(),
    /**
     * Write an expert bundle into `out` (bundle/write.ts) where the training would start, instead of training:
     * `grove bundle run` trains it elsewhere and `grove bundle merge` brings the result back into this run.
     */
    bundle: z
      .object({ out: z.string().min(1), forestId: z.number().int() })
      .strict()
      .optional(),
    /** For the queue's owner, not the worker: what it queues once the model is trained (a baseline's evaluation). */
    then: z.unknown().optional(),
  })
  .strict()
  .refine((p) => p.branch || p.startSha256, 'a job either branches the model or names the weights it trains from')
  .refine((p) => (p.domainDir === undefined) !== (p.mixDirs === undefined), 'give domainDir or mixDirs, one of them')
  .refine((p) => !p.branch || p.domainDir, 'a branch reads its own domain: give domainDir')
  .refine((p) => !p.bundle || (p.branch && p.train), "a bundle holds a branched expert's training: give branch and train");
export type ExpertJobPayload = z.input<typeof ExpertJobPayload>;

/** The facts an expert job sends for the catalog, in the order they happen. */
export type ExpertRecord =
  | { kind: 'prior'; target: string; modelIds: number[]; weights: number[]; sequences: number }
  | {
      kind: 'branched';
      parents: { modelId: number; weight: number }[];
      sha256: string;
      bytes: number;
      note: string | null;
      lora?: LoraConfig;
      lightStart?: LightStartRecord;
    }
  | { kind: 'plan'; totalSteps: number; device: string; fallback: string | null }
  | {
      kind: 'trained';
      sha256: string;
      bytes: number;
      steps: number;
      tokens: number;
      reason: string;
      elapsedSeconds: number;
      peakMemoryBytes: number;
    };

export interface ExpertProgress {
  phase: 'prior' | 'branch' | 'train' | 'store';
  train?: TrainProgress;
}

interface Branched {
  parents: { modelId: number; weight: number }[];
  sha256: string;
  bytes: number;
  note: string | null;
  /** A light expert's adapter settings where the branch set them (an average of light parents). */
  lora?: LoraConfig;
  /** How a light expert branched from light parents started (exact or SVD, with its error). */
  lightStart?: LightStartRecord;
}

const BRANCH_FILE = 'branch.json';

/** The posterior of the new domain over the candidates: the cached one, or estimated on its train split. */
async function domainPrior(
  home: string,
  p: z.output<typeof ExpertJobPayload>,
  ctx: JobContext,
): Promise<{ modelIds: number[]; weights: number[] }> {
  const b = p.branch!;
  if (b.prior) return b.prior;
  ctx.progress({ phase: 'prior' } satisfies ExpertProgress);
  // The same estimate as `grove prior --target domain:NAME` (it is stored under that target): the candidates
  // never trained on this domain, so reading its held-out split takes nothing from the new expert.
  const { prior, sequences } = await withModels(home, b.candidates, (experts) =>
    estimateDomainsPrior(experts, [p.domainDir!], b.priorSequences),
  );
  const record: ExpertRecord = {
    kind: 'prior',
    target: `domain:${p.domain}`,
    modelIds: b.candidates.map((c) => c.id),
    weights: prior,
    sequences,
  };
  ctx.record(record);
  return { modelIds: record.modelIds, weights: prior };
}

/** Chooses the parents and stores their average (or reuses a single parent's weights as they are). */
async function branch(home: string, p: z.output<typeof ExpertJobPayload>, ctx: JobContext): Promise<Branched> {
  const marker = join(p.runDir, BRANCH_FILE);
  if (existsSync(marker)) return JSON.parse(readFileSync(marker, 'utf8')) as Branched;
  const b = p.branch!;
  let parents: ParentWeight[];
  let note: string | null = null;
  if (b.init === 'seed' || b.candidates.length === 0) {
    if (b.init !== 'seed') note = `The forest has no trained experts yet, so ${p.name} starts from the seed ${b.seed.name}.`;
    parents = branchParents([], { kind: 'seed', seed: b.seed });
  } else {
    const prior = await domainPrior(home, p, ctx);
    const target = { target: priorTarget.domain(p.domain), modelIds: prior.modelIds, weights: prior.weights };
    parents = branchParents(
      b.candidates,
      b.init === 'nearest' ? { kind: 'nearest', prior: target } : { kind: 'posterior', prior: target, topK: b.topK },
    );
  }
  ctx.progress({ phase: 'branch' } satisfies ExpertProgress);
  const refs = new Map([b.seed, ...b.candidates].map((r) => [r.id, r]));
  let sha256: string;
  let bytes: number;
  let lora: LoraConfig | undefined;
  let lightStart: LightStartRecord | undefined;
  if (p.light && parents.length === 1 && parents[0]!.modelId === b.seed.id) {
    // A light expert from the seed: a fresh adapter over it (B zero: the seed's function exactly), seeded by the model's id.
    const { baseSha256, rank, alpha, targets } = p.light;
    const stored = await storeFreshAdapter(home, {
      baseSha256,
      tokenizerSha256: b.seed.tokenizerSha256,
      lora: { rank, alpha, targets },
      seed: p.modelId,
    });
    sha256 = stored.sha256;
    bytes = stored.bytes;
  } else if (p.light) {
    // Light parents over the same base: their posterior-weighted average W0 + sum_j w_j B_j A_j, exactly (rank
    // the sum of theirs) or at the asked rank by truncated SVD (forest/light-start.ts); it trains at that rank.
    const config = await baseConfig(home, p.light.baseSha256);
    const parts = [];
    for (const x of parents) {
      const r = refs.get(x.modelId)!;
      parts.push({ adapter: await readPeftAdapterFor(storedModelFolder(home, r.sha256), config, r.name), weight: x.weight, label: r.name });
    }
    const started = lightBranchStart(config, parts, {
      start: p.light.start ?? DEFAULT_LIGHT_START,
      rank: p.light.rank,
      alpha: p.light.alpha,
      seed: p.modelId,
    });
    const stored = await storeAdapter(home, {
      baseSha256: p.light.baseSha256,
      tokenizerSha256: b.seed.tokenizerSha256,
      config,
      lora: started.adapter.lora,
      tensors: started.adapter.tensors,
    });
    sha256 = stored.sha256;
    bytes = stored.bytes;
    lora = started.adapter.lora;
    lightStart = started.record;
    if (started.record.start === 'svd')
      note = `${p.name} starts from the best rank-${started.record.rank} approximation of its parents' average (truncated SVD): relative Frobenius error ${started.record.relativeError.toFixed(4)}.`;
  } else if (parents.length === 1) {
    // A copy: the parent's stored weights are the init as they are (content-addressed, never modified).
    sha256 = refs.get(parents[0]!.modelId)!.sha256;
    bytes = (await stat(join(storedModelFolder(home, sha256), WEIGHTS_FILE))).size;
  } else {
    const stored = await storeAverage(
      home,
      parents.map((x) => {
        const r = refs.get(x.modelId)!;
        return { folder: storedModelFolder(home, r.sha256), weight: x.weight, label: r.name, tokenizerSha256: r.tokenizerSha256 };
      }),
    );
    sha256 = stored.sha256;
    bytes = stored.bytes;
  }
  const result: Branched = {
    parents: parents.map((x) => ({ modelId: x.modelId, weight: x.weight })),
    sha256,
    bytes,
    note,
    ...(lora ? { lora } : {}),
    ...(lightStart ? { lightStart } : {}),
  };
  await mkdir(p.runDir, { recursive: true });
  await writeFileDurable(marker, JSON.stringify(result));
  return result;
}

export async function runExpertJob(input: unknown, ctx: JobContext): Promise<{ modelId: number; sha256: string; trained: boolean }> {
  const p = ExpertJobPayload.parse(input);
  const home = ctx.forestHome;
  let startSha = p.startSha256;
  let parents: Branched['parents'] = [];
  let note: string | null = null;
  if (p.branch) {
    const branched = await branch(home, p, ctx);
    ctx.record({ kind: 'branched', ...branched } satisfies ExpertRecord);
    if (branched.note) ctx.log(branched.note);
    startSha = branched.sha256;
    parents = branched.parents;
    note = branched.note;
  }
  if (!p.train) return { modelId: p.modelId, sha256: startSha!, trained: false };
  if (p.bundle) {
    // Where the local run would train: the same inputs, written as a bundle to train elsewhere.
    ctx.progress({ phase: 'store' } satisfies ExpertProgress);
    // A light start's own rank and alpha (an exact start from light parents has the sum of their ranks).
    const lora = p.light
      ? parseAdapterConfig(
          JSON.parse(readFileSync(join(storedModelFolder(home, startSha!), ADAPTER_CONFIG_FILE), 'utf8')),
          `${p.name}'s start adapter`,
        ).lora
      : null;
    await writeExpertBundle(home, {
      out: p.bundle.out,
      expert: { name: p.name, domain: p.domain, modelId: p.modelId, runId: p.train.runId, forestId: p.bundle.forestId, parents, note },
      domainDir: p.domainDir!,
      startSha256: startSha!,
      light: p.light && lora ? { baseSha256: p.light.baseSha256, rank: lora.rank, alpha: lora.alpha, targets: [...lora.targets] } : null,
      settings: p.train.settings,
      budget: p.train.budget,
      device: p.train.device,
    });
    ctx.log(
      `wrote the bundle ${p.bundle.out}: train it with \`grove bundle run ${p.bundle.out}\`, then \`grove bundle merge ${p.bundle.out}\``,
    );
    return { modelId: p.modelId, sha256: startSha!, trained: false };
  }

  const { settings: s, budget } = p.train;
  const choice = await chooseProvider(p.train.device as ProviderPreference);
  let last: TrainProgress | undefined;
  if (choice.fallback) ctx.log(choice.fallback);
  const result = await runTrainJob(
    {
      runDir: p.runDir,
      ...(p.mixDirs ? { domainDirs: p.mixDirs } : { domainDir: p.domainDir }),
      modelFolder: storedModelFolder(home, p.light ? p.light.baseSha256 : startSha!),
      ...(p.light
        ? {
            lora: {
              rank: p.light.rank,
              alpha: p.light.alpha,
              targets: p.light.targets,
              adapterFolder: storedModelFolder(home, startSha!),
              baseModel: p.light.baseSha256,
            },
          }
        : {}),
      ...budget,
      ...trainJobSettings(s),
      ...(choice.provider === 'cpu' ? {} : { providers: [choice.provider, 'cpu'] }),
    },
    ctx.signal,
    (train) => {
      last = train;
      ctx.progress({ phase: 'train', train } satisfies ExpertProgress);
    },
    ctx.log,
    ({ totalSteps }) =>
      ctx.record({ kind: 'plan', totalSteps, device: choice.provider, fallback: choice.fallback ?? null } satisfies ExpertRecord),
  );
  if (!result.modelFolder) return { modelId: p.modelId, sha256: startSha!, trained: false }; // paused or cancelled: the checkpoint stays
  ctx.progress({ phase: 'store', ...(last ? { train: { ...last, etaSeconds: 0 } } : {}) } satisfies ExpertProgress);
  // Trained on shards of the forest's tokenizer: that is the tokenizer this expert reads.
  const tokenizerSha256 = await forestTokenizerSha256(home);
  const stored = p.light
    ? await storeAdapterFolder(home, result.modelFolder, { baseSha256: p.light.baseSha256, tokenizerSha256 })
    : await storeModelFolder(home, result.modelFolder, tokenizerSha256);
  ctx.record({
    kind: 'trained',
    sha256: stored.sha256,
    bytes: stored.bytes,
    steps: result.steps,
    tokens: result.tokens,
    reason: result.reason,
    elapsedSeconds: result.elapsedSeconds,
    peakMemoryBytes: result.peakMemoryBytes,
  } satisfies ExpertRecord);
  return { modelId: p.modelId, sha256: stored.sha256, trained: true };
}
