// The ingest report as data (for the catalog and the UI) and as a printable table, plus the "too small to train on" verdict.
import { GroveError } from '../../shared/api/errors';
import type { FileOutcome, IngestReport, SkippedFile, SkipReason, Split, SplitStats } from './types';

export function summarize(files: readonly FileOutcome[]): IngestReport['totals'] {
  const skippedBy: Partial<Record<SkipReason, number>> = {};
  let accepted = 0;
  let bytes = 0;
  let textBytes = 0;
  let tokens = 0;
  for (const f of files) {
    bytes += f.bytes;
    if (f.status === 'accepted') {
      accepted++;
      textBytes += f.textBytes;
      tokens += f.tokens;
    } else skippedBy[f.reason] = (skippedBy[f.reason] ?? 0) + 1;
  }
  return { files: files.length, accepted, skipped: files.length - accepted, bytes, textBytes, tokens, skippedBy };
}

/** Whether the folder has enough text, and if not, how much more a person should add. */
export function verdict(
  splits: Record<Split, SplitStats>,
  totals: IngestReport['totals'],
  minTrainTokens: number,
  folder: string,
): { trainable: boolean; message: string } {
  const bytesPerToken = totals.tokens > 0 ? totals.textBytes / totals.tokens : 4;
  const need = (tokens: number): string => `about ${fmtInt(tokens)} more tokens (~${fmtBytes(tokens * bytesPerToken)} of text)`;
  if (totals.tokens === 0) {
    return {
      trainable: false,
      message: `"${folder}" has no usable text (${totals.skipped} file(s) skipped); add documents: training needs ${need(minTrainTokens)}.`,
    };
  }
  if (splits.train.tokens < minTrainTokens) {
    return {
      trainable: false,
      message: `"${folder}" is too small to train on: ${fmtInt(splits.train.tokens)} training tokens; add ${need(minTrainTokens - splits.train.tokens)}.`,
    };
  }
  if (splits.valid.tokens === 0 || splits.test.tokens === 0) {
    return { trainable: false, message: `"${folder}" has too little text to hold out validation and test text; add a few more documents.` };
  }
  return {
    trainable: true,
    message: `${totals.accepted} of ${totals.files} file(s) accepted: ${fmtInt(splits.train.tokens)} train, ${fmtInt(splits.valid.tokens)} valid, ${fmtInt(splits.test.tokens)} test tokens.`,
  };
}

/**
 * A folder in which no file gave any text: nothing may be registered for it. The message counts the skips by
 * reason and names the first few files with their sentence, so a person sees what to change.
 */
export class NothingToTrainOn extends GroveError {
  constructor(folder: string, files: readonly FileOutcome[]) {
    const skipped = files.filter((f): f is SkippedFile => f.status === 'skipped');
    const counts = summarize(skipped).skippedBy;
    const reasons = Object.entries(counts)
      .map(([r, n]) => `${n} ${r}`)
      .join(', ');
    const examples = skipped
      .slice(0, 3)
      .map((f) => `${printable(f.path)}: ${printable(f.detail)}`)
      .join(' ');
    const message =
      skipped.length === 0
        ? `Nothing to train on in ${printable(folder)}: it holds no files. Put documents in it (text, Markdown, HTML, PDF, Word, EPUB, code) and try again.`
        : `Nothing to train on in ${printable(folder)}: ${skipped.length} file${skipped.length === 1 ? '' : 's'} skipped (${reasons}). ${examples}${skipped.length > 3 ? ` (and ${skipped.length - 3} more)` : ''}`;
    super('bad_input', message, {
      folder,
      skipped: skipped.slice(0, 100).map((f) => ({ path: f.path, reason: f.reason, detail: f.detail })),
    });
  }
}

/** Throws the report's message as an error when the folder cannot be trained on (for callers that must stop there). */
export function assertTrainable(report: IngestReport): void {
  if (!report.trainable) throw new GroveError('bad_input', report.message, { folder: report.folder, tokens: report.totals.tokens });
}

/** One row per file, then the totals: for the CLI and logs. */
export function formatReport(report: IngestReport): string {
  const rows: string[][] = [['file', 'status', 'type / reason', 'bytes', 'tokens', 'split / detail']];
  for (const f of report.files) {
    if (f.status === 'accepted') {
      rows.push([
        printable(f.path),
        'accepted',
        f.language ? `code:${f.language}` : f.type,
        fmtInt(f.bytes),
        fmtInt(f.tokens),
        [...new Set(f.splits)].join('+'),
      ]);
    } else {
      const detail =
        f.duplicateOf !== undefined
          ? `of ${printable(f.duplicateOf)}${f.similarity !== undefined ? ` (${f.similarity.toFixed(2)})` : ''}`
          : f.detail;
      rows.push([printable(f.path), 'skipped', f.reason, fmtInt(f.bytes), '', printable(detail)]);
    }
  }
  const widths = rows[0]!.map((_, c) => Math.min(c === 5 ? 80 : 48, Math.max(...rows.map((r) => r[c]!.length))));
  const line = (r: string[]): string =>
    r
      .map((cell, c) => {
        const w = widths[c]!;
        const clipped = cell.length > w ? `${cell.slice(0, w - 1)}…` : cell;
        return c === 3 || c === 4 ? clipped.padStart(w) : clipped.padEnd(w);
      })
      .join('  ')
      .trimEnd();
  const t = report.totals;
  const split = (name: Split): string =>
    `${name} ${fmtInt(report.splits[name].documents)} docs, ${fmtBytes(report.splits[name].textBytes)}, ${fmtInt(report.splits[name].tokens)} tokens`;
  const skipped = Object.entries(t.skippedBy)
    .map(([r, n]) => `${r} ${n}`)
    .join(', ');
  // Notes can be long: they go under the table in full rather than clipped in a column.
  const notes = report.files.flatMap((f) =>
    f.status === 'accepted' && f.notes ? f.notes.map((n) => `note: ${printable(f.path)}: ${printable(n)}`) : [],
  );
  return [
    line(rows[0]!),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.slice(1).map(line),
    ...(notes.length ? ['', ...notes] : []),
    '',
    `${t.files} files, ${fmtBytes(t.bytes)}: ${t.accepted} accepted, ${t.skipped} skipped${skipped ? ` (${skipped})` : ''}`,
    `${split('train')}; ${split('valid')}; ${split('test')} (split by ${report.splitBy})`,
    printable(report.message),
  ].join('\n');
}

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Names (and anything quoting them) as one safe line: C0 and C1 controls, DEL, line and paragraph separators and the
 * bidirectional controls (U+202E would show a row's text reversed) are written as escapes, so a file name can
 * neither split a report row (newline), overwrite it (carriage return) nor disguise itself.
 */
export function printable(s: string): string {
  return s.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function fmtBytes(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}
