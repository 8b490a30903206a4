// The BTM benchmark's results as data: the rows of the paper's comparison, a score per genre (test
// perplexity and bits per byte), in-domain and out-of-domain means (arithmetic means over genres, as the
// paper averages perplexities), and the three findings checked at each seed fraction; with `--light`, the
// light forest's rows beside them; a row per merge method of the registry (merge-plan.ts).
import type { Evaluation } from '../../engine/eval/perplexity';
import type { DomainIngestion } from './corpus';
import type { LightBudget } from './light-budget';
import { MERGE_ROW_METHODS, mergeRowId, mergeRowLabel, mergeRowPlan, type MergeMethodRow, type MergeRowId } from './merge-plan';
import type { PhaseTiming } from './progress';

export interface GenreScore {
  perplexity: number;
  bitsPerByte: number;
  loss: number;
  tokens: number;
}

export interface MeanScore {
  perplexity: number;
  bitsPerByte: number;
}

const LEAD_ROWS = [
  { id: 'seed', label: 'seed (first f·C steps on the mix)' },
  { id: 'dense', label: 'dense (C steps on the mix)' },
  { id: 'expert', label: 'domain expert (held-out: top-1 by cached prior)' },
  { id: 'ensemble-uniform-context', label: 'ensemble, uniform prior, context posterior' },
  { id: 'ensemble-uniform-last-token', label: 'ensemble, uniform prior, last-token posterior' },
  { id: 'ensemble-cached-context', label: 'ensemble, cached prior, context posterior' },
  { id: 'ensemble-cached-last-token', label: 'ensemble, cached prior, last-token posterior' },
  { id: 'top2-cached-context', label: 'top-2 ensemble, cached prior, context posterior' },
  { id: 'top2-cached-last-token', label: 'top-2 ensemble, cached prior, last-token posterior' },
  { id: 'average-uniform', label: 'uniform parameter average' },
  { id: 'average-posterior', label: 'posterior-weighted parameter average' },
] as const;

const CONTROL_ROWS = [
  { id: 'random-cached-context', label: 'random-split control: ensemble, cached prior, context posterior' },
  { id: 'random-cached-last-token', label: 'random-split control: ensemble, cached prior, last-token posterior' },
] as const;

export type RowId = (typeof LEAD_ROWS)[number]['id'] | MergeRowId | (typeof CONTROL_ROWS)[number]['id'];

/** Every row a forest can have, in the report's order: the merge methods' rows after the parameter averages. */
export const ROWS: readonly { id: RowId; label: string }[] = [
  ...LEAD_ROWS,
  ...MERGE_ROW_METHODS.map((m) => ({ id: mergeRowId(m.name), label: mergeRowLabel(m) })),
  ...CONTROL_ROWS,
];

/** A forest's rows: all of ROWS but the merge methods that do not take its number of experts (SLERP takes two). */
export function forestRowIds(experts: number): RowId[] {
  const scored = new Set(mergeRowPlan(experts, 0).flatMap((p) => (p.row ? [p.row] : [])));
  return ROWS.map((r) => r.id).filter((id) => !id.startsWith('merge-') || scored.has(id));
}

/** The light forest's rows (`--light`): its own list, so the full-expert rows above stay as they are. */
export const LIGHT_ROWS = [
  { id: 'light-expert', label: 'light domain expert (held-out: top-1 by cached prior)' },
  { id: 'light-ensemble-cached-context', label: 'light ensemble, cached prior, context posterior' },
  { id: 'light-ensemble-cached-last-token', label: 'light ensemble, cached prior, last-token posterior' },
  { id: 'light-average-uniform', label: 'light uniform parameter average (W0 + mean of the deltas)' },
  { id: 'light-average-posterior', label: 'light posterior-weighted parameter average (W0 + sum w_j B_j A_j)' },
  { id: 'light-random-cached-context', label: 'light random-split control: ensemble, cached prior, context posterior' },
  { id: 'light-random-cached-last-token', label: 'light random-split control: ensemble, cached prior, last-token posterior' },
] as const;

export type LightRowId = (typeof LIGHT_ROWS)[number]['id'];

export interface Row<Id extends string = RowId> {
  id: Id;
  label: string;
  genres: Record<string, GenreScore>;
  inDomain: MeanScore;
  outOfDomain: MeanScore;
}

export interface Priors {
  /** Cached prior per evaluated genre, estimated with the context posterior and with the last-token one. */
  context: Record<string, number[]>;
  lastToken: Record<string, number[]>;
}

export interface ForestResult extends ForestExperts {
  fraction: number;
  seedSteps: number;
  expertSteps: number;
  /** Learning rate at the branch point, where each expert's schedule starts. */
  branchLr: number;
  rows: Row[];
  /** Each method of the merge registry: the row that scores it, its settings, or why it was left out. */
  mergeMethods: MergeMethodRow[];
  /** The light forest branched from the same seed (`--light`); absent without it. */
  light?: LightForestResult;
}

/** Light experts from one seed: LoRA adapters over it, at the full experts' FLOPs (light-budget.ts). */
export interface LightForestResult extends ForestExperts {
  rank: number;
  alpha: number;
  targets: string[];
  /** The light experts' learning rates over the full experts'. */
  lrScale: number;
  /** Parameters of one light expert's adapter. */
  adapterParameters: number;
  budget: LightBudget;
  rows: Row<LightRowId>[];
}

export interface Finding {
  id: 'ensemble-beats-dense' | 'posterior-average-beats-uniform' | 'experts-beat-random-splits';
  claim: string;
  /** The two rows compared: `better` is expected lower (perplexity). */
  better: RowId;
  worse: RowId;
  fraction: number;
  inDomain: { better: number; worse: number };
  outOfDomain: { better: number; worse: number };
  held: boolean;
}

export interface BtmResult {
  preset: string;
  config: unknown;
  trainGenres: string[];
  heldOutGenres: string[];
  corpus: { name: string; role: string; splits: Record<string, { documents: number; tokens: number; textBytes: number }> }[];
  /** Brown's genres, or the user's folders with what ingestion skipped in each (absent in results written before). */
  source?: { kind: 'brown' } | { kind: 'folders'; root: string; seedModel: string | null; ingestion: DomainIngestion[] };
  model: { parameters: number; config: unknown };
  dense: { validCurve: { step: number; loss: number }[] };
  forests: ForestResult[];
  findings: Finding[];
  phases: PhaseTiming[];
  totalSeconds: number;
  /** Training throughput over all training phases (tokens / their seconds), and the load it ran under. */
  trainTokensPerSecond: number;
  loadAverage: { start: number; end: number };
}

export function genreScore(e: Evaluation): GenreScore {
  return { perplexity: e.perplexity, bitsPerByte: e.bitsPerByte, loss: e.loss, tokens: e.tokens };
}

function mean(values: number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

export function meanScore(genres: Record<string, GenreScore>, names: readonly string[]): MeanScore {
  const present = names.map((n) => genres[n]).filter((s): s is GenreScore => s !== undefined);
  return { perplexity: mean(present.map((s) => s.perplexity)), bitsPerByte: mean(present.map((s) => s.bitsPerByte)) };
}

/** What a forest (full or light) keeps of its experts and of its random-split control's. */
export interface ForestExperts {
  /** Expert names in prior order (the training genres), and the random-split parts (one expert each, at the same steps). */
  experts: string[];
  randomExperts: string[];
  /** Their cached priors. */
  priors: Priors;
  randomPriors: Priors;
  /** Every expert on every genre's test split. */
  expertMatrix: Record<string, Record<string, GenreScore>>;
  /** Each expert's (and control expert's) training loss on its last step. */
  expertFinalLoss: Record<string, number>;
}

type TrainedExpert = { domain: string; finalLoss: number };

/** The ForestExperts of a forest's experts and its control's, from their training and their scores. */
export function forestExperts(
  experts: readonly TrainedExpert[],
  controls: readonly TrainedExpert[],
  forest: { priors: Priors; matrix: Record<string, Record<string, GenreScore>> },
  control: { priors: Priors },
): ForestExperts {
  return {
    experts: experts.map((e) => e.domain),
    randomExperts: controls.map((e) => e.domain),
    priors: forest.priors,
    randomPriors: control.priors,
    expertMatrix: forest.matrix,
    expertFinalLoss: Object.fromEntries([...experts, ...controls].map((e) => [e.domain, e.finalLoss])),
  };
}

export function makeRow<Id extends RowId | LightRowId>(
  id: Id,
  genres: Record<string, GenreScore>,
  trainGenres: readonly string[],
  heldOutGenres: readonly string[],
): Row<Id> {
  const label = [...ROWS, ...LIGHT_ROWS].find((r) => r.id === id)!.label;
  return { id, label, genres, inDomain: meanScore(genres, trainGenres), outOfDomain: meanScore(genres, heldOutGenres) };
}

/** A forest's single experts: each training genre's own expert on it, and on a held-out genre the expert its cached prior ranks first. */
export function ownExpertScores(
  matrix: Record<string, Record<string, GenreScore>>,
  priors: Priors,
  trainGenres: readonly string[],
  heldOutGenres: readonly string[],
): Record<string, GenreScore> {
  const expert: Record<string, GenreScore> = {};
  for (const g of trainGenres) expert[g] = matrix[g]![g]!;
  for (const g of heldOutGenres) {
    const prior = priors.context[g]!;
    const top = trainGenres[prior.indexOf(Math.max(...prior))]!;
    expert[g] = matrix[top]![g]!;
  }
  return expert;
}

const CLAIMS: { id: Finding['id']; claim: string; better: RowId; worse: RowId }[] = [
  {
    id: 'ensemble-beats-dense',
    claim: 'cached-prior ensemble beats the dense model, in and out of domain',
    better: 'ensemble-cached-context',
    worse: 'dense',
  },
  {
    id: 'posterior-average-beats-uniform',
    claim: 'posterior-weighted parameter average beats the uniform average',
    better: 'average-posterior',
    worse: 'average-uniform',
  },
  {
    id: 'experts-beat-random-splits',
    claim: 'domain experts beat experts on random splits (both ensembled with their cached prior)',
    better: 'ensemble-cached-context',
    worse: 'random-cached-context',
  },
];

/** The paper's three findings, checked on one forest's rows (lower mean perplexity, in and out of domain). */
export function findings(forest: ForestResult): Finding[] {
  const row = (id: RowId) => forest.rows.find((r) => r.id === id)!;
  return CLAIMS.map((c) => {
    const b = row(c.better);
    const w = row(c.worse);
    const inDomain = { better: b.inDomain.perplexity, worse: w.inDomain.perplexity };
    const outOfDomain = { better: b.outOfDomain.perplexity, worse: w.outOfDomain.perplexity };
    return {
      ...c,
      fraction: forest.fraction,
      inDomain,
      outOfDomain,
      held: inDomain.better < inDomain.worse && outOfDomain.better < outOfDomain.worse,
    };
  });
}
