// CSV and TSV: the columns of free text (decided on the first rows), row by row; numbers, codes and short labels are left out.
import { Readable } from 'node:stream';
import { isTextValue } from './json';
import { ExtractSkip, corrupt, type Extractor } from './types';

/** Rows looked at before deciding which columns hold text. */
const SAMPLE_ROWS = 200;

export const csv: Extractor = {
  types: ['csv', 'tsv'],
  style: 'prose',
  whole: false,
  async *extract(source, type) {
    const { parse } = await import('csv-parse');
    const parser = Readable.from(source.text()).pipe(
      parse({ delimiter: type === 'tsv' ? '\t' : ',', relax_column_count: true, relax_quotes: true, skip_empty_lines: true, bom: true }),
    );
    const sample: string[][] = [];
    let columns: number[] | undefined;
    try {
      for await (const record of parser as AsyncIterable<string[]>) {
        if (!columns) {
          sample.push(record);
          if (sample.length < SAMPLE_ROWS) continue;
          columns = textColumns(sample);
          for (const row of sample.slice(1)) yield rowText(row, columns);
          continue;
        }
        yield rowText(record, columns);
      }
    } catch (err) {
      if (err instanceof ExtractSkip) throw err;
      throw corrupt(type.toUpperCase(), err);
    }
    if (!columns) {
      columns = textColumns(sample);
      for (const row of sample.slice(1)) yield rowText(row, columns);
    }
  },
};

/** Columns where most cells read as text. The first row is taken as a header and never counted (or emitted). */
function textColumns(rows: string[][]): number[] {
  const body = rows.length > 1 ? rows.slice(1) : rows;
  const width = Math.max(0, ...body.map((r) => r.length));
  const out: number[] = [];
  for (let c = 0; c < width; c++) {
    const cells = body.map((r) => r[c] ?? '').filter((v) => v.trim() !== '');
    if (cells.length > 0 && cells.filter(isTextValue).length / cells.length >= 0.5) out.push(c);
  }
  if (out.length === 0) throw new ExtractSkip('empty', 'It has no column of free text (only numbers, codes or short labels).');
  return out;
}

function rowText(row: string[], columns: number[]): string {
  const cells = columns.map((c) => row[c] ?? '').filter((v) => v.trim() !== '');
  return cells.length ? `${cells.join('\n')}\n\n` : '';
}
