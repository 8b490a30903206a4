// `grove ingest <folder> --domain NAME`: turns a folder into a domain (clean text, split, token shards)
// with a progress line, and stores the report in the catalog; `grove ingest --report --domain NAME` prints it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { Catalog } from '../../app/catalog/catalog';
import { domainDocuments, saveIngestReport } from '../../app/catalog/domains';
import { ingestFolder } from '../../engine/corpus/ingest';
import { fmtBytes, formatReport, printable } from '../../engine/corpus/report';
import { DEFAULT_IGNORE, GROVEIGNORE } from '../../engine/corpus/settings';
import { corpusTokenizer, type IngestReport, type ProgressListener } from '../../engine/corpus/types';
import { catalogPath } from '../../app/home';
import { domainDir } from '../../app/store/domains';
import { forestTokenizerDir } from '../../app/store/init';
import { loadTokenizer } from '../../engine/tokenize/load';
import type { Tokenizer } from '../../engine/tokenize/tokenizer';
import { GroveError } from '../../shared/api/errors';
import { domainNameArg, forestHomeOf } from '../options';
import { formatEta, ProgressLine } from '../progress-line';

/** The tokenizer every domain of a forest is tokenized with. */
export function forestTokenizerPath(home: string): string {
  return join(forestTokenizerDir(home), 'tokenizer.json');
}

/** The tokenizer at `path`, or an error saying how to get one there. */
export async function tokenizerAt(path: string): Promise<Tokenizer> {
  if (!existsSync(path))
    throw new GroveError(
      'not_found',
      `No tokenizer at ${path}: create the forest first (\`grove init\`), or pass --tokenizer <tokenizer.json>.`,
    );
  return loadTokenizer(path);
}

/** An ingest's progress on one terminal line: phase, files, bytes, speed and time left. */
export function ingestProgress(line: ProgressLine): ProgressListener {
  return (p) =>
    line.update(
      `${p.phase.padEnd(7)} ${p.filesDone}/${p.filesTotal} files  ${fmtBytes(p.bytesDone)}/${fmtBytes(p.bytesTotal)}  ${p.filesPerSecond.toFixed(0)} files/s  ${p.megabytesPerSecond.toFixed(1)} MB/s  ${formatEta(p.etaSeconds)}`,
      p.phase === 'done',
    );
}

function printStoredReport(home: string, domain: string): void {
  const catalog = Catalog.open(catalogPath(home));
  try {
    const docs = domainDocuments(catalog, domain);
    if (!docs)
      throw new GroveError(
        'not_found',
        `No domain ${JSON.stringify(domain)} in ${home}; ingest a folder with \`grove ingest <folder> --domain ${domain}\`.`,
      );
    // Every name and sentence goes through printable(): a file name's newline, carriage return or RLO must not split, overwrite or reverse a row.
    for (const d of docs) {
      const what =
        d.status === 'accepted'
          ? `accepted  ${(d.type ?? '').padEnd(8)} ${String(d.tokens).padStart(9)} tokens  ${d.split ?? 'several splits'}${d.detail ? `  note: ${printable(d.detail)}` : ''}`
          : `skipped   ${d.reason}${d.duplicateOf ? ` of ${printable(d.duplicateOf)}` : ''}: ${printable(d.detail ?? '')}`;
      console.log(`${printable(d.path)}\t${what}`);
    }
  } finally {
    catalog.close();
  }
}

interface IngestOpts {
  domain?: string;
  tokenizer?: string;
  report?: boolean;
  ignore: string[];
  defaultIgnore: boolean;
  showIgnore?: boolean;
  maxFileMb?: number;
}

export function registerIngest(program: Command): void {
  program
    .command('ingest')
    .description('ingest a folder of documents as a domain: extract, clean, deduplicate, split, tokenize')
    .argument('[folder]', 'the folder to ingest (never modified)')
    .option('--domain <name>', 'domain name (letters, digits, ".", "-", "_")', domainNameArg)
    .option('--tokenizer <path>', "tokenizer.json to use (default: the forest's)")
    .option('--report', 'print the stored report of the domain instead of ingesting')
    .option(
      '--ignore <pattern>',
      `skip files matching a .gitignore-style pattern (repeatable; added to the defaults and the folder's ${GROVEIGNORE})`,
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option('--no-default-ignore', 'do not apply the default ignore list')
    .option('--show-ignore', 'print the default ignore list and exit')
    .option('--max-file-mb <n>', 'skip files larger than this, as "too large"', (v) => Number(v))
    .action(async (folder: string | undefined, opts: IngestOpts, cmd: Command) => {
      if (opts.showIgnore) {
        console.log(DEFAULT_IGNORE.join('\n'));
        return;
      }
      if (!opts.domain) throw new GroveError('bad_input', 'Name the domain: `grove ingest <folder> --domain NAME`.');
      const home = forestHomeOf(cmd);
      if (opts.report) return printStoredReport(home, opts.domain);
      if (!folder) throw new GroveError('bad_input', 'Name the folder to ingest: `grove ingest <folder> --domain NAME`.');
      const tokenizerPath = opts.tokenizer ?? forestTokenizerPath(home);
      const tokenizer = corpusTokenizer(await tokenizerAt(tokenizerPath));
      const line = new ProgressLine();
      const controller = new AbortController();
      process.once('SIGINT', () => controller.abort());
      let report: IngestReport;
      try {
        report = await ingestFolder({
          folder,
          out: domainDir(home, opts.domain),
          tokenizer,
          settings: {
            ignore: [...(opts.defaultIgnore ? DEFAULT_IGNORE : []), ...opts.ignore],
            ...(opts.maxFileMb ? { maxFileBytes: Math.round(opts.maxFileMb * 1024 * 1024) } : {}),
          },
          signal: controller.signal,
          onProgress: ingestProgress(line),
        });
      } finally {
        line.done(); // the error (nothing to train on, a bad folder) starts on a line of its own
      }
      const catalog = Catalog.open(catalogPath(home));
      try {
        saveIngestReport(catalog, opts.domain, report);
      } finally {
        catalog.close();
      }
      console.log(formatReport(report));
      if (!report.trainable) process.exitCode = 3;
    });
}
