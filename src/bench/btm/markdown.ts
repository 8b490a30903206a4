// Markdown pieces of the BTM benchmark's report, shared by the full forest's sections (tables.ts) and the light
// forest's (light-tables.ts): number formats, a table, rows as a score table, every expert on every genre,
// and a headline figure of two rows' means.
import type { Figure } from '../report';
import type { BtmResult, ForestResult, MeanScore, Row } from './results';

export const pct = (f: number) => `${Math.round(f * 100)} %`;
export const ppl = (v: number) => (Number.isFinite(v) ? (v >= 100 ? v.toFixed(1) : v.toFixed(2)) : String(v));
const bpb = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : String(v));
export const change = (better: number, worse: number) => `${(((better - worse) / worse) * 100).toFixed(1)} %`;

export function table(header: string[], rows: string[][], align: ('l' | 'r')[]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(align.map((a) => (a === 'r' ? '---:' : '---'))), ...rows.map(line)].join('\n');
}

/** Rows (full or light) as a table: in-domain and out-of-domain means, then every genre. */
export function rowsTable(result: BtmResult, rowList: readonly Row<string>[], metric: 'perplexity' | 'bitsPerByte'): string {
  const fmt = metric === 'perplexity' ? ppl : bpb;
  const genres = [...result.trainGenres, ...result.heldOutGenres];
  const header = [
    'row',
    'in-domain mean',
    'out-of-domain mean',
    ...result.trainGenres,
    ...result.heldOutGenres.map((g) => `${g} (held out)`),
  ];
  const rows = rowList.map((r) => [
    r.label,
    `**${fmt(r.inDomain[metric])}**`,
    `**${fmt(r.outOfDomain[metric])}**`,
    ...genres.map((g) => fmt(r.genres[g]?.[metric] ?? Number.NaN)),
  ]);
  return table(header, rows, ['l', 'r', 'r', ...genres.map(() => 'r' as const)]);
}

export function matrixTable(result: BtmResult, forest: Pick<ForestResult, 'experts' | 'expertMatrix'>, kind = ''): string {
  const genres = [...result.trainGenres, ...result.heldOutGenres];
  const rows = forest.experts.map((e) => [`${e} ${kind}expert`, ...genres.map((g) => ppl(forest.expertMatrix[e]![g]!.perplexity))]);
  return table(['model', ...genres], rows, ['l', ...genres.map(() => 'r' as const)]);
}

export function meanFigure(name: string, value: MeanScore, reference: { name: string; value: MeanScore }): Figure {
  return { name, value: value.perplexity, unit: 'ppl', reference: { name: reference.name, value: reference.value.perplexity } };
}
