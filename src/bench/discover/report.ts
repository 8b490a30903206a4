// The discover suite's report: the clusterings against the genres (purity, ARI, genres by clusters, top terms),
// then test perplexity of the dense model, the seed, the provenance forest and the cluster forest (routed by its
// clusters, and under the posterior) on every genre, at equal compute; the settings and time per phase.
import type { Figure } from '../report';
import { ppl, table } from '../btm/markdown';
import { meanScore } from '../btm/results';
import { DISCOVER_ROWS, type DiscoverResult, type DiscoverRowId } from './pipeline';

const mean = (r: DiscoverResult, id: DiscoverRowId, genres: readonly string[]) => meanScore(r.scores[id], genres).perplexity;

export function discoverFigures(r: DiscoverResult): Figure[] {
  const figures: Figure[] = r.clusterings.flatMap((c) => [
    {
      name: `purity of the clusters against the genres, k = ${c.k}`,
      value: c.purity,
      unit: 'share',
      note: `${r.documents.total} pooled train documents of ${r.trainGenres.length} genres`,
    },
    { name: `adjusted Rand index against the genres, k = ${c.k}`, value: c.ari, unit: 'index', note: '1 = the genres exactly, 0 = chance' },
  ]);
  const inDomain = r.trainGenres;
  for (const row of DISCOVER_ROWS) {
    figures.push({
      name: `mean test perplexity, trained genres: ${row.label}`,
      value: mean(r, row.id, inDomain),
      unit: 'ppl',
      ...(row.id !== 'dense' ? { reference: { name: 'dense', value: mean(r, 'dense', inDomain) } } : {}),
    });
  }
  return figures;
}

export function discoverSections(r: DiscoverResult): { title: string; markdown: string }[] {
  const b = r.config.btm;
  const genres = [...r.trainGenres, ...r.heldOutGenres];
  const settings = [
    `Brown genres ${r.trainGenres.join(', ')} (train: ${Object.entries(r.documents.byGenre)
      .map(([g, n]) => `${g} ${n}`)
      .join(
        ', ',
      )} documents pooled, ${r.documents.total} in all; ${b.splitDocuments.valid} valid and ${b.splitDocuments.test} test documents of each genre held out), held-out genre ${r.heldOutGenres.join(', ')} (never trained on).`,
    `Model: ${b.model.hiddenSize} wide, ${b.model.numHiddenLayers} layers (${(r.model.parameters / 1e6).toFixed(2)} M parameters), BPE ${b.vocabSize}, context ${b.contextLength}, batch ${b.batchSize}, peak learning rate ${b.peakLr}.`,
    `Equal compute: C = ${r.steps.total} steps. The dense model trains C steps on the mix; the seed is the dense run at ${r.steps.seed} steps; each forest adds ${r.steps.experts} experts of ${r.steps.perExpert} steps from that seed (seed + experts = C).`,
    `Discovery: TF-IDF, truncated SVD (to at most 100 dimensions), balanced k-means (every cluster floor(n/k) or ceil(n/k) documents), seed ${r.config.discoverSeed}. The cluster forest is grown at k = ${r.trainGenres.length}; its router is that clustering's clusterer (c-BTM: softmax of -d^2 / 0.1 over the centres), each token weighted by the text before it in its window.`,
    `Test: up to ${b.evalMaxTokens ?? 'all'} tokens of each genre's test split, windows of ${b.contextLength}; cached priors on ${b.priorSequences} valid windows of the genre.`,
    `Load average (1 min) ${r.loadAverage.start.toFixed(1)} at the start, ${r.loadAverage.end.toFixed(1)} at the end; ${(r.totalSeconds / 60).toFixed(1)} minutes in all.`,
  ].map((l) => `- ${l}`);
  const clusterings = r.clusterings.map((c) => {
    const head = `k = ${c.k}: purity ${c.purity.toFixed(3)}, adjusted Rand index ${c.ari.toFixed(3)} (${c.dims} SVD dimensions, ${c.seconds.toFixed(1)} s)`;
    const rows = c.clusters.map((cl, i) => [
      `cluster ${i + 1}`,
      String(cl.size),
      ...r.trainGenres.map((g) => String(cl.genres[g] ?? 0)),
      cl.topTerms.slice(0, 6).join(', '),
    ]);
    return `${head}\n\n${table(['cluster', 'documents', ...r.trainGenres, 'top terms'], rows, ['l', 'r', ...r.trainGenres.map(() => 'r' as const), 'l'])}`;
  });
  const scoreRows = DISCOVER_ROWS.map((row) => [
    row.label,
    `**${ppl(mean(r, row.id, r.trainGenres))}**`,
    ppl(mean(r, row.id, r.heldOutGenres)),
    ...genres.map((g) => ppl(r.scores[row.id][g]?.perplexity ?? Number.NaN)),
  ]);
  const phases = table(
    ['phase', 'seconds', 'tokens trained', 'tokens scored'],
    r.phases.map((p) => [p.phase, p.seconds.toFixed(1), String(p.trainedTokens), String(p.scoredTokens)]),
    ['l', 'r', 'r', 'r'],
  );
  return [
    { title: 'Settings', markdown: settings.join('\n') },
    { title: 'Do the clusters recover the genres?', markdown: clusterings.join('\n\n') },
    {
      title: 'Test perplexity at equal compute',
      markdown: table(
        ['model', 'trained genres (mean)', 'held-out genre', ...r.trainGenres, ...r.heldOutGenres.map((g) => `${g} (held out)`)],
        scoreRows,
        ['l', 'r', 'r', ...genres.map(() => 'r' as const)],
      ),
    },
    { title: 'Time per phase', markdown: phases },
  ];
}
