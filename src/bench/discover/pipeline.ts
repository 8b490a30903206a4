// Bench suite "discover": does domain discovery find real domains, and does a forest grown on its clusters and
// routed by them (c-BTM) compete with the forest grown on the known domains and with one dense model, at equal
// compute? The BTM benchmark's machinery throughout (corpus.ts, training.ts, evaluate.ts):
//   1. Brown genres ingested as the BTM benchmark ingests them (train/valid/test by document, BPE on train only);
//   2. their train documents pooled, unlabelled, and clustered for each k (clusters.ts): purity and ARI;
//   3. one dense run of C steps whose checkpoint at f*C is the shared seed (trainDenseAndSeeds);
//   4. from that seed, one expert per genre (the provenance forest) and one per cluster at k = the number of
//      genres (the cluster forest), each (1 - f) * C / k steps: seed + experts = C, the dense model's steps;
//   5. test perplexity on every genre's held-out test split: dense, seed, the provenance forest (cached prior,
//      context posterior), the cluster forest routed by its clusters (all experts, and the top one), and the
//      cluster forest under the posterior (the same experts, BTM's weighting).
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { ClusterRoutedEnsemble } from '../../engine/ensemble/cluster-routed';
import { evaluateSplit } from '../../engine/eval/perplexity';
import { parseModelConfig, type ModelConfig } from '../../engine/model/config';
import { parameterCount } from '../../engine/model/names';
import { LlamaModel } from '../../engine/runtime/llama-model';
import { loadTokenizer } from '../../engine/tokenize/load';
import { corpusTokenizer } from '../../engine/corpus/types';
import { LlamaTrainer } from '../../engine/train/step-runner';
import { phaseSteps, type BtmConfig } from '../btm/config';
import { ingestDomain, ingestSettings, prepareCorpus, type BtmDomain } from '../btm/corpus';
import { scoreForest, scoreModel, type EvalContext } from '../btm/evaluate';
import { MemoScorer } from '../btm/memo-scorer';
import { BtmProgress, TRAIN_UNITS_PER_TOKEN, type PhaseTiming } from '../btm/progress';
import { genreScore, type GenreScore } from '../btm/results';
import { trainDenseAndSeeds, trainForest, type Expert } from '../btm/training';
import type { Discovery } from '../../engine/corpus/discover/discover';
import { pooledTrainDocuments, scoreClustering, type ClusteringScore } from './clusters';

export interface DiscoverBenchConfig {
  btm: BtmConfig;
  /** Cluster counts scored against the genres; the forest is grown at k = the number of training genres. */
  ks: number[];
  discoverSeed: number;
}

export const DISCOVER_ROWS = [
  { id: 'dense', label: 'dense model, C steps on the mix' },
  { id: 'seed', label: 'seed (the dense run at f*C), no experts' },
  { id: 'genre-forest', label: 'provenance forest: an expert per genre, cached prior + context posterior' },
  { id: 'cluster-routed', label: 'cluster forest: an expert per cluster, c-BTM routing (all experts, T = 0.1)' },
  { id: 'cluster-routed-top1', label: 'cluster forest, c-BTM routing, top-1 expert' },
  { id: 'cluster-posterior', label: 'cluster forest, cached prior + context posterior (BTM weighting)' },
] as const;

export type DiscoverRowId = (typeof DISCOVER_ROWS)[number]['id'];

export interface DiscoverResult {
  config: DiscoverBenchConfig;
  trainGenres: string[];
  heldOutGenres: string[];
  documents: { total: number; byGenre: Record<string, number> };
  clusterings: ClusteringScore[];
  model: { parameters: number; config: ModelConfig };
  steps: { total: number; seed: number; perExpert: number; experts: number };
  /** Row -> genre -> test score. */
  scores: Record<DiscoverRowId, Record<string, GenreScore>>;
  phases: PhaseTiming[];
  totalSeconds: number;
  loadAverage: { start: number; end: number };
}

export interface DiscoverRunOptions {
  work: string;
  log: (line: string) => void;
  show: (line: string) => void;
}

/** The cluster forest's domains: cluster i's member documents copied into folders/cluster-i, ingested all train. */
async function clusterDomains(
  work: string,
  members: readonly string[][],
  genreFolder: (file: string) => string,
  tokenizerDir: string,
  seed: number,
): Promise<BtmDomain[]> {
  const tokenizer = corpusTokenizer(await loadTokenizer(tokenizerDir));
  const out: BtmDomain[] = [];
  for (const [i, files] of members.entries()) {
    const name = `cluster-${i + 1}`;
    const folder = join(work, 'folders', name);
    mkdirSync(folder, { recursive: true });
    for (const file of files) copyFileSync(genreFolder(file), join(folder, file));
    // Like the random-split control's parts: every document trains (nothing of a cluster is held out; the genres' test splits are).
    out.push(
      await ingestDomain(name, 'random-split', folder, join(work, 'domains', name), tokenizer, ingestSettings({ valid: 0, test: 0 }, seed)),
    );
  }
  return out;
}

export async function runDiscoverBenchmark(config: DiscoverBenchConfig, o: DiscoverRunOptions): Promise<DiscoverResult> {
  const btm = config.btm;
  const loadStart = loadavg()[0] ?? 0;
  const k = btm.trainGenres.length;
  const fraction = btm.mainFraction;
  const { seedSteps, expertSteps } = phaseSteps(btm, fraction);
  const tokensPerStep = btm.batchSize * btm.contextLength;
  const progress = new BtmProgress(
    (btm.totalSteps + 2 * (btm.totalSteps - seedSteps)) * tokensPerStep * TRAIN_UNITS_PER_TOKEN,
    (line) => o.show(line.replace(/^btm /, 'discover ')),
    () => loadavg()[0] ?? 0,
  );
  progress.update('corpus: genre folders, BPE tokenizer, ingestion');
  const corpus = await prepareCorpus(o.work, btm, o.log);
  progress.endPhase('corpus: genre folders, BPE tokenizer, ingestion');

  const docs = pooledTrainDocuments(o.work, btm.trainGenres);
  const byGenre: Record<string, number> = {};
  for (const d of docs) byGenre[d.genre] = (byGenre[d.genre] ?? 0) + 1;
  const clusterings: ClusteringScore[] = [];
  let forest: Discovery | null = null;
  for (const kk of config.ks) {
    const { discovery, score } = scoreClustering(docs, kk, config.discoverSeed);
    clusterings.push(score);
    o.log(
      `  k = ${kk}: purity ${score.purity.toFixed(3)}, ARI ${score.ari.toFixed(3)} (${docs.length} documents, ${score.dims} SVD dimensions, ${score.seconds.toFixed(1)} s)`,
    );
    if (kk === k) forest = discovery;
  }
  forest ??= scoreClustering(docs, k, config.discoverSeed).discovery;
  const forestMembers = forest.clusters.map((c) => c.members);
  // The router of the cluster forest: the clusterer of that clustering (fitted on the pooled train documents).
  const router = { clusterer: forest.clusterer, experts: forestMembers.map((_, i) => `cluster-${i + 1}`) };
  const genreOfFile = new Map(docs.map((d) => [d.path, d.genre]));
  const clusters = await clusterDomains(
    o.work,
    forestMembers,
    (file) => join(o.work, 'folders', genreOfFile.get(file)!, file),
    corpus.tokenizerDir,
    btm.seeds.split,
  );
  progress.endPhase(`discovery: k = ${config.ks.join(', ')} on ${docs.length} pooled documents; ${k} cluster domains ingested`);

  const modelConfig = parseModelConfig(
    { architecture: 'LlamaForCausalLM', vocabSize: btm.vocabSize, ...btm.model },
    'discover benchmark model',
  );
  const trainer = await LlamaTrainer.create(modelConfig, {
    batchSize: btm.batchSize,
    contextLength: btm.contextLength,
    threads: btm.threads,
    seed: btm.seeds.init,
  });
  let dense: Awaited<ReturnType<typeof trainDenseAndSeeds>>;
  let genreExperts: Expert[];
  let clusterExperts: Expert[];
  try {
    dense = await trainDenseAndSeeds(trainer, corpus.genres, btm, o.work, progress);
    progress.endPhase(`train: dense, ${btm.totalSteps} steps (seed saved at ${seedSteps})`);
    const seed = dense.seeds.find((s) => s.fraction === fraction)!;
    genreExperts = await trainForest(
      trainer,
      seed,
      corpus.genres.filter((g) => g.role === 'train'),
      btm,
      o.work,
      'genre-experts',
      progress,
    );
    progress.endPhase(`train: ${k} genre experts, ${expertSteps} steps each`);
    clusterExperts = await trainForest(trainer, seed, clusters, btm, o.work, 'cluster-experts', progress);
    progress.endPhase(`train: ${k} cluster experts, ${expertSteps} steps each`);
  } finally {
    await trainer.close();
  }

  const ctx: EvalContext = { config: btm, genres: corpus.genres, progress, tokenizerDir: corpus.tokenizerDir };
  const seedDir = dense.seeds.find((s) => s.fraction === fraction)!.modelDir;
  const denseScores = await scoreModel(dense.modelDir, 'dense', corpus.genres, ctx);
  const seedScores = await scoreModel(seedDir, 'seed', corpus.genres, ctx);
  const genreForest = await scoreForest(genreExperts, 'genre forest', ['ensemble-cached-context'], ctx);
  const clusterPosterior = await scoreForest(clusterExperts, 'cluster forest', ['ensemble-cached-context'], ctx);
  progress.endPhase('eval: dense, seed, provenance forest, cluster forest under the posterior');

  const tokenizer = await loadTokenizer(corpus.tokenizerDir);
  const models: LlamaModel[] = [];
  const routed: Record<string, GenreScore> = {};
  const routedTop1: Record<string, GenreScore> = {};
  try {
    for (const e of clusterExperts) models.push(await LlamaModel.open(e.modelDir, { threads: btm.threads }));
    // One memo per expert: the two routings score the same windows, so each expert runs each window once.
    const experts = clusterExperts.map((e, i) => ({ name: e.domain, scorer: new MemoScorer(models[i]!, (n) => progress.scored(n)) }));
    const decode = (ids: ArrayLike<number>) => tokenizer.decode(ids);
    const evalOptions = {
      contextLength: btm.contextLength,
      batchSize: btm.evalBatch,
      ...(btm.evalMaxTokens ? { maxTokens: btm.evalMaxTokens } : {}),
    };
    for (const g of corpus.genres) {
      progress.update(`eval cluster routing on ${g.name}`);
      routed[g.name] = genreScore(await evaluateSplit(new ClusterRoutedEnsemble(experts, router, decode), g.dir, 'test', evalOptions));
      routedTop1[g.name] = genreScore(
        await evaluateSplit(new ClusterRoutedEnsemble(experts, router, decode, { topK: 1 }), g.dir, 'test', evalOptions),
      );
    }
  } finally {
    for (const m of models) await m.close();
  }
  progress.endPhase('eval: cluster forest under c-BTM routing (all, top-1)');
  for (const e of [...genreExperts, ...clusterExperts]) rmSync(e.modelDir, { recursive: true, force: true });

  return {
    config,
    trainGenres: btm.trainGenres,
    heldOutGenres: btm.heldOutGenres,
    documents: { total: docs.length, byGenre },
    clusterings,
    model: { parameters: parameterCount(modelConfig), config: modelConfig },
    steps: { total: btm.totalSteps, seed: seedSteps, perExpert: expertSteps, experts: k },
    scores: {
      dense: denseScores,
      seed: seedScores,
      'genre-forest': genreForest.ensembles['ensemble-cached-context']!,
      'cluster-routed': routed,
      'cluster-routed-top1': routedTop1,
      'cluster-posterior': clusterPosterior.ensembles['ensemble-cached-context']!,
    },
    phases: progress.phases,
    totalSeconds: progress.phases.reduce((n, p) => n + p.seconds, 0),
    loadAverage: { start: loadStart, end: loadavg()[0] ?? 0 },
  };
}
