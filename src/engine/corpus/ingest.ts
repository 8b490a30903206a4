// Folder ingestion end to end: walk, reuse unchanged files, extract the rest, deduplicate, split, write shards, manifest, state and report.
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import { writeFileDurable } from '../durable-write';
import { DedupIndex } from './dedup';
import { decodeSignature } from './minhash';
import { IngestJournal } from './journal';
import { INCOMING, processFile } from './process-file';
import { ProgressMeter } from './progress';
import { formatReport, NothingToTrainOn, summarize, verdict } from './report';
import { contentSettingsKey, resolveSettings, type IngestSettingsInput } from './settings';
import { IncomingTokens, ShardWriter, TokenReader, dtypeFor, type ShardInfo } from './shards';
import { planSplit } from './split';
import { loadState, saveState, tokenizerKey, type FileRecord } from './state';
import {
  SPLITS,
  type CorpusTokenizer,
  type FileOutcome,
  type IngestReport,
  type ProgressListener,
  type Split,
  type SplitStats,
} from './types';
import { walkFolder, type WalkFile } from './walk';
import { sha256File } from '../file-hash';

export interface IngestOptions {
  folder: string; // the dropped folder; never written to
  out: string; // the domain's output folder: shards/, manifest.json, report.json, report.txt, ingest-state.json (and ingest-journal.jsonl while a run is on)
  tokenizer: CorpusTokenizer;
  settings?: IngestSettingsInput;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

export const MANIFEST_FILE = 'manifest.json';
const PREFETCH_FILES = 16;
const PREFETCH_MAX_BYTES = 256 * 1024;

/** Reasons that depend only on a file's bytes (and the settings): an unchanged file keeps them without being read again. */
const STABLE_SKIPS = new Set(['binary', 'empty', 'too large', 'corrupt', 'no text layer']);

/**
 * Ingests `folder` into `out`. Throws NothingToTrainOn when no file yields text, and a failure of any kind removes
 * `out` when this run created it: a domain is never left half-made (an empty domains/<name>/ folder). A re-ingest
 * that fails keeps the previous generation as it was.
 */
export async function ingestFolder(options: IngestOptions): Promise<IngestReport> {
  const out = resolve(options.out);
  const fresh = !(await stat(out).then(
    () => true,
    () => false,
  ));
  try {
    return await ingestInto(options);
  } catch (err) {
    if (fresh) await rm(out, { recursive: true, force: true });
    throw err;
  }
}

async function ingestInto(options: IngestOptions): Promise<IngestReport> {
  const began = performance.now();
  const settings = resolveSettings(options.settings);
  const { tokenizer } = options;
  if (!Number.isInteger(tokenizer.vocabSize) || tokenizer.vocabSize <= 0) {
    throw new GroveError(
      'bad_input',
      `Tokenizer vocabSize ${tokenizer.vocabSize} is not a positive integer; load the tokenizer before ingesting.`,
      { setting: 'tokenizer' },
    );
  }
  const folder = resolve(options.folder);
  const out = resolve(options.out);
  const shardDir = join(out, 'shards');
  await mkdir(shardDir, { recursive: true });
  const dtype = dtypeFor(tokenizer.vocabSize);
  const tKey = tokenizerKey(tokenizer);
  const cKey = `${contentSettingsKey(settings)}|${settings.nearDuplicateThreshold}`;
  const previous = await loadState(out);
  // A different tokenizer or content setting invalidates every stored token: start over.
  const usable =
    previous && previous.tokenizerKey === tKey && previous.contentKey === cKey && previous.dtype === dtype ? previous : undefined;
  const generation = (previous?.generation ?? 0) + 1;

  const progress = new ProgressMeter(options.onProgress);
  progress.emit();
  const entries = await walkFolder(folder, { ignore: settings.ignore, allowOutside: settings.allowOutside, exclude: [out] });
  const files = entries.filter((e): e is WalkFile => e.kind === 'file');
  progress.setTotals(
    files.length,
    files.reduce((a, f) => a + f.size, 0),
  );
  progress.phase = 'extract';
  progress.emit();

  const outcomes = new Map<string, FileOutcome>();
  for (const e of entries) {
    if (e.kind === 'skip') {
      outcomes.set(e.path, {
        path: e.path,
        status: 'skipped',
        reason: e.reason,
        detail: e.detail,
        bytes: e.bytes,
        ...(e.duplicateOf ? { duplicateOf: e.duplicateOf } : {}),
      });
    }
  }

  // Unchanged files (same size and mtime, or same content hash) are not read again.
  const records = new Map<string, FileRecord>();
  const candidates: WalkFile[] = [];
  const before = usable?.files ?? {};
  for (const f of files) {
    const r = before[f.path];
    if (
      r &&
      r.size === f.size &&
      (r.mtimeMs === f.mtimeMs || (r.rawHash !== '' && (await sha256File(f.abs).catch(() => '')) === r.rawHash))
    ) {
      records.set(f.path, { ...r, mtimeMs: f.mtimeMs });
    } else candidates.push(f);
  }
  const dedup = new DedupIndex(settings.nearDuplicateThreshold);
  const keptBefore = new Set<string>();
  for (const [path, r] of records) {
    if (r.outcome.status === 'accepted' && r.doc) {
      keptBefore.add(path);
      dedup.add(path, r.doc.textHash, decodeSignature(r.doc.signature));
    }
  }
  for (const [path, r] of records) {
    const o = r.outcome;
    const stable =
      o.status === 'accepted'
        ? !!r.doc
        : STABLE_SKIPS.has(o.reason) ||
          ((o.reason === 'duplicate' || o.reason === 'near-duplicate') && keptBefore.has(o.duplicateOf ?? ''));
    if (!stable) {
      records.delete(path);
      candidates.push(files.find((f) => f.path === path)!);
    }
  }
  candidates.sort((a, b) => (a.path < b.path ? -1 : 1));
  for (const f of files) {
    if (records.has(f.path)) {
      progress.bytes(f.size);
      progress.fileDone(f.path);
    }
  }
  const reused = records.size;

  const incomingPath = join(out, 'incoming.tmp');
  const incoming = await IncomingTokens.create(incomingPath, dtype, tokenizer.vocabSize);
  const journal = IngestJournal.open(out);
  try {
    // Small files are read a few ahead of the one being processed, so thousands of them do not wait on I/O one by one.
    const prefetch = new Map<string, Promise<Uint8Array | undefined>>();
    const ahead = (i: number): void => {
      const f = candidates[i];
      if (f && f.size > 0 && f.size <= PREFETCH_MAX_BYTES && f.size <= settings.maxFileBytes && !prefetch.has(f.path)) {
        prefetch.set(
          f.path,
          readFile(f.abs).then(
            (b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength),
            () => undefined,
          ),
        );
      }
    };
    for (let i = 0; i < PREFETCH_FILES; i++) ahead(i);
    for (const [index, f] of candidates.entries()) {
      options.signal?.throwIfAborted();
      ahead(index + PREFETCH_FILES);
      const data = await prefetch.get(f.path);
      prefetch.delete(f.path);
      const crashed = journal.crashedOn(f);
      if (crashed) {
        records.set(f.path, { size: f.size, mtimeMs: f.mtimeMs, rawHash: '', outcome: crashed });
        progress.bytes(f.size, f.path);
        progress.fileDone(f.path);
        continue;
      }
      const start = incoming.tokens;
      let read = 0;
      const onBytes = (n: number): void => {
        read += n;
        progress.bytes(n, f.path);
      };
      const p = await journal.around(f, () =>
        processFile(f, { settings, tokenizer, incoming, onBytes, ...(options.signal ? { signal: options.signal } : {}) }, data),
      );
      progress.bytes(Math.max(0, f.size - read)); // files skipped before being read count as done too
      const base = { size: f.size, mtimeMs: f.mtimeMs, rawHash: p.rawHash };
      if (p.status === 'skipped') {
        records.set(f.path, {
          ...base,
          outcome: {
            path: f.path,
            status: 'skipped',
            reason: p.reason,
            detail: p.detail,
            bytes: f.size,
            ...(p.type ? { type: p.type } : {}),
          },
        });
      } else {
        const dup = dedup.find(p.doc.textHash, p.signature);
        if (dup) {
          await incoming.truncate(start);
          const detail =
            dup.kind === 'duplicate'
              ? `Same text as "${dup.of}".`
              : `About ${Math.round(dup.similarity * 100)}% the same text as "${dup.of}" (threshold ${settings.nearDuplicateThreshold}).`;
          const outcome: FileOutcome = {
            path: f.path,
            status: 'skipped',
            reason: dup.kind,
            detail,
            bytes: f.size,
            type: p.type,
            duplicateOf: dup.of,
            ...(dup.kind === 'near-duplicate' ? { similarity: dup.similarity } : {}),
          };
          records.set(f.path, { ...base, outcome });
        } else {
          dedup.add(f.path, p.doc.textHash, p.signature);
          const tokens = p.doc.pieces.reduce((a, x) => a + x.tokens, 0);
          const outcome: FileOutcome = {
            path: f.path,
            status: 'accepted',
            type: p.type,
            ...(p.language ? { language: p.language } : {}),
            ...(p.encoding ? { encoding: p.encoding } : {}),
            ...(p.notes ? { notes: p.notes } : {}),
            bytes: f.size,
            textBytes: p.doc.textBytes,
            tokens,
            splits: [],
          };
          records.set(f.path, { ...base, outcome, doc: p.doc });
        }
      }
      progress.fileDone(f.path);
    }
    await incoming.flush();
    if (![...records.values()].some((r) => r.doc)) {
      for (const [path, r] of records) outcomes.set(path, r.outcome);
      throw new NothingToTrainOn(folder, [...outcomes.values()]);
    }

    // Assemble this generation's shards from the previous shards (unchanged documents) and the incoming store (new ones).
    progress.phase = 'shard';
    progress.emit();
    const accepted = [...records.entries()].filter(([, r]) => r.doc).sort(([a], [b]) => (a < b ? -1 : 1));
    const plan = planSplit(
      accepted.map(([path, r]) => ({ path, tokens: r.doc!.pieces.reduce((a, x) => a + x.tokens, 0), pieces: r.doc!.pieces.length })),
      settings,
    );
    const reader = new TokenReader(dtype);
    const eos = tokenizer.eosId === undefined ? [] : [tokenizer.eosId];
    const splits = {} as Record<Split, SplitStats>;
    const shards = {} as Record<Split, ShardInfo[]>;
    const moved = new Map<string, FileRecord>();
    for (const [path, r] of accepted) moved.set(path, { ...r, doc: { ...r.doc!, pieces: r.doc!.pieces.map((x) => ({ ...x })) } });
    try {
      for (const split of SPLITS) {
        const writer = new ShardWriter(
          shardDir,
          `${split}-g${String(generation).padStart(4, '0')}`,
          dtype,
          tokenizer.vocabSize,
          settings.shardTokens,
        );
        const stats: SplitStats = { documents: 0, pieces: 0, textBytes: 0, tokens: 0, shards: 0 };
        for (const [path, r] of accepted) {
          const where = plan.pieces.get(path)!;
          const target = moved.get(path)!.doc!.pieces;
          let inRun = false;
          let counted = false;
          for (let i = 0; i < r.doc!.pieces.length; i++) {
            const piece = r.doc!.pieces[i]!;
            if (where[i] !== split) {
              if (inRun && eos.length) await writer.append(eos);
              inRun = false;
              continue;
            }
            const at = await writer.beginPiece();
            const source = piece.file === INCOMING ? incomingPath : join(shardDir, piece.file);
            for await (const chunk of reader.range(source, piece.offset, piece.tokens)) await writer.append(chunk);
            target[i] = { ...piece, file: at.file, offset: at.offset };
            inRun = true;
            stats.pieces++;
            stats.textBytes += piece.bytes;
            if (!counted) stats.documents++;
            counted = true;
          }
          if (inRun && eos.length) await writer.append(eos);
        }
        shards[split] = await writer.finish();
        stats.shards = shards[split].length;
        stats.tokens = shards[split].reduce((a, s) => a + s.tokens, 0);
        splits[split] = stats;
      }
    } finally {
      await reader.close();
    }

    for (const [path, r] of moved) {
      const o = r.outcome;
      if (o.status === 'accepted') r.outcome = { ...o, splits: [...new Set(plan.pieces.get(path))] };
      records.set(path, r);
    }
    for (const [path, r] of records) outcomes.set(path, r.outcome);
    const list = [...outcomes.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const totals = summarize(list);
    const { trainable, message } = verdict(splits, totals, settings.minTrainTokens, folder);
    const removed = Object.keys(previous?.files ?? {}).filter((p) => !records.has(p)).length;
    const manifestPath = join(out, MANIFEST_FILE);
    const manifest = {
      format: 'grove-token-shards',
      version: 1,
      generation,
      dtype,
      vocabSize: tokenizer.vocabSize,
      eosId: tokenizer.eosId ?? null,
      tokenizerKey: tKey,
      splitBy: plan.by,
      seed: settings.seed,
      splits: Object.fromEntries(
        SPLITS.map((s) => [s, { ...splits[s], files: shards[s].map((x) => ({ file: `shards/${x.file}`, tokens: x.tokens })) }]),
      ),
      createdAt: new Date().toISOString(),
    };
    await writeFileDurable(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
    await saveState(out, { generation, contentKey: cKey, tokenizerKey: tKey, dtype, files: Object.fromEntries(records) });
    journal.clear();
    const report: IngestReport = {
      folder,
      out,
      files: list,
      totals,
      splits,
      splitBy: plan.by,
      processed: { extracted: candidates.length, reused, removed },
      trainable,
      message,
      manifest: manifestPath,
      seconds: (performance.now() - began) / 1000,
    };
    await writeFileDurable(join(out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    await writeFileDurable(join(out, 'report.txt'), `${formatReport(report)}\n`);
    // Only now, with the new manifest and state durable, do the previous generation's shards go.
    const live = new Set(SPLITS.flatMap((s) => shards[s].map((x) => x.file)));
    for (const name of await readdir(shardDir)) if (!live.has(name)) await rm(join(shardDir, name), { force: true });
    progress.phase = 'done';
    progress.emit();
    return report;
  } finally {
    journal.close();
    await incoming.close();
    await rm(incomingPath, { force: true });
  }
}
