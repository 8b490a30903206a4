// The cached prior of a target (btm.md "Cached prior"), in a worker: the forest's experts run as an
// ensemble over N held-out sequences of the target (a domain's valid split, the valid splits of every
// domain for the mix, or a folder ingested on the spot), EMA-smoothed; the owner stores it in the catalog.
import { basename } from 'node:path';
import { z } from 'zod';
import { GroveError } from '../../shared/api/errors';
import { ingestFolder } from '../../engine/corpus/ingest';
import { readManifest, splitShards } from '../../engine/corpus/manifest';
import { corpusTokenizer } from '../../engine/corpus/types';
import { estimateCachedPriorOn } from '../../engine/ensemble/ensemble';
import type { WindowScorer } from '../../engine/eval/perplexity';
import { CACHED_PRIOR_DEFAULTS } from '../../engine/forest/prior';
import type { JobContext } from '../jobs/protocol';
import { loadTokenizer } from '../../engine/tokenize/load';
import { openStoredScorers } from './stored-scorers';

/**
 * The windows every cached prior is estimated on, wherever it is shown or stored (`grove prior`, `grove eval`,
 * the evaluate job, a branch's init, a collapse): one setting, so the same forest and target give one prior.
 */
export const PRIOR_WINDOWS = { contextLength: 128, batchSize: 4 } as const;

export const StoredRef = z
  .object({ id: z.number().int(), name: z.string(), sha256: z.string(), tokenizerSha256: z.string().nullable() })
  .strict();
export type StoredRef = z.output<typeof StoredRef>;

/** Where a target's held-out text is, resolved by the owner from the catalog. */
export const TargetText = z.union([
  z.object({ kind: z.literal('domains'), dirs: z.array(z.string()).min(1) }).strict(),
  z.object({ kind: z.literal('folder'), folder: z.string(), out: z.string(), tokenizer: z.string() }).strict(),
]);
export type TargetText = z.output<typeof TargetText>;

export const PriorJobPayload = z
  .object({
    target: z.string(),
    experts: z.array(StoredRef).min(1),
    text: TargetText,
    sequences: z.number().int().positive().default(CACHED_PRIOR_DEFAULTS.sequences),
    contextLength: z.number().int().positive().default(PRIOR_WINDOWS.contextLength),
  })
  .strict();
export type PriorJobPayload = z.input<typeof PriorJobPayload>;

export interface PriorRecord {
  kind: 'prior';
  target: string;
  modelIds: number[];
  weights: number[];
  sequences: number;
}

/** A shard of held-out text, with its length in tokens. */
export type HeldOutShard = ReturnType<typeof splitShards>[number];

/** Says something a person should know about an estimate (a job's log, the CLI's stderr). */
export type PriorNote = (line: string) => void;

/**
 * The shards to read: each domain's valid split, or its train split where the valid split is shorter than
 * one window (a small folder: `note` says so, since an expert trained on that text is favoured by it); a folder
 * target is ingested (with the forest's tokenizer) and read whole.
 */
export async function targetShards(
  text: TargetText,
  contextLength: number,
  signal?: AbortSignal,
  note?: PriorNote,
): Promise<HeldOutShard[]> {
  const dirs = text.kind === 'domains' ? text.dirs : [text.out];
  if (text.kind === 'folder') {
    const tokenizer = corpusTokenizer(await loadTokenizer(text.tokenizer));
    await ingestFolder({ folder: text.folder, out: text.out, tokenizer, settings: { minTrainTokens: 0 }, ...(signal ? { signal } : {}) });
  }
  const files: HeldOutShard[] = [];
  for (const dir of dirs) {
    const m = await readManifest(dir);
    const splits =
      text.kind === 'folder'
        ? (['train', 'valid', 'test'] as const)
        : m.splits.valid.tokens > contextLength
          ? (['valid'] as const)
          : (['train'] as const);
    if (text.kind === 'domains' && splits[0] === 'train') {
      note?.(
        `${basename(dir)}: its held-out (valid) split has ${m.splits.valid.tokens} tokens, not more than one window of ${contextLength}; the prior is estimated on its training text instead, which favours an expert trained on it. More text in its folder gives a held-out estimate.`,
      );
    }
    for (const split of splits) files.push(...splitShards(dir, m, split).filter((f) => f.tokens > contextLength));
  }
  if (files.length === 0)
    throw new GroveError(
      'bad_input',
      `The target holds no text of more than ${contextLength} tokens in one piece: a prior needs longer text.`,
    );
  return files;
}

/** The cached prior of `experts` on domains' held-out text (targetShards' choice of split), with PRIOR_WINDOWS. */
export async function estimateDomainsPrior(
  experts: readonly WindowScorer[],
  dirs: readonly string[],
  sequences: number = CACHED_PRIOR_DEFAULTS.sequences,
  note?: PriorNote,
): Promise<{ prior: number[]; sequences: number }> {
  const files = await targetShards({ kind: 'domains', dirs: [...dirs] }, PRIOR_WINDOWS.contextLength, undefined, note);
  return estimateCachedPriorOn(experts, files, { ...PRIOR_WINDOWS, sequences });
}

/** Opens the experts (full models, or light experts over their shared base), runs `use`, and closes them whatever happens. */
export async function withModels<T>(home: string, refs: readonly StoredRef[], use: (models: WindowScorer[]) => Promise<T>): Promise<T> {
  const opened = await openStoredScorers(
    home,
    refs.map((r) => r.sha256),
  );
  try {
    return await use(opened.scorers);
  } finally {
    await opened.close();
  }
}

/** Estimates the prior of `experts` on `text`: what collapse and branch use when none is cached. */
export async function estimateTargetPrior(
  home: string,
  p: z.output<typeof PriorJobPayload>,
  signal?: AbortSignal,
  note?: PriorNote,
): Promise<PriorRecord> {
  const files = await targetShards(p.text, p.contextLength, signal, note);
  const { prior, sequences } = await withModels(home, p.experts, (models) =>
    estimateCachedPriorOn(models, files, { contextLength: p.contextLength, batchSize: PRIOR_WINDOWS.batchSize, sequences: p.sequences }),
  );
  return { kind: 'prior', target: p.target, modelIds: p.experts.map((e) => e.id), weights: prior, sequences };
}

export async function runPriorJob(input: unknown, ctx: JobContext): Promise<PriorRecord> {
  const p = PriorJobPayload.parse(input);
  ctx.progress({ done: 0, total: 1 });
  const record = await estimateTargetPrior(ctx.forestHome, p, ctx.signal, ctx.log);
  ctx.record(record);
  return record;
}
