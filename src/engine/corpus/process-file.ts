// One file through the pipeline: size checks, sniff, extract, normalise, hash, MinHash, cut in pieces, tokenize into the incoming store.
import { createHash, type Hash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { extname } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import { HEAD_BYTES, sniffBytes, textType, type TextEncoding, type TypeGuess } from './detect';
import { ExtractSkip, extractorFor, type ExtractSource } from './extract/index';
import { expansionLimit, zipNames } from './extract/zip';
import { MinHasher, encodeSignature } from './minhash';
import { Normalizer } from './normalize';
import { readFailure } from './read-errors';
import { textDecoder } from './windows-1252';
import type { IngestSettings } from './settings';
import type { IncomingTokens } from './shards';
import type { DocRecord, PieceRecord } from './state';
import type { CorpusTokenizer, DocType, SkipReason } from './types';
import type { WalkFile } from './walk';

export const INCOMING = '<incoming>';

export type Processed =
  | {
      status: 'accepted';
      rawHash: string;
      type: DocType;
      language?: string;
      encoding?: string;
      notes?: string[];
      doc: DocRecord;
      signature: Uint32Array;
    }
  | { status: 'skipped'; rawHash: string; reason: SkipReason; detail: string; type?: DocType };

export interface ProcessContext {
  settings: IngestSettings;
  tokenizer: CorpusTokenizer;
  incoming: IncomingTokens;
  /** Called with the number of bytes read, as they are read. */
  onBytes: (n: number) => void;
  /** Checked between pieces, so a cancel stops a long document mid-way rather than after it. */
  signal?: AbortSignal;
}

const READ_CHUNK = 1024 * 1024;

/** Extracts and tokenizes one file. Never throws for a bad file: every failure becomes a skip with a reason. */
/** `prefetched` is the whole file when the caller read it ahead (small files: hides I/O latency). */
export async function processFile(file: WalkFile, ctx: ProcessContext, prefetched?: Uint8Array): Promise<Processed> {
  const { settings } = ctx;
  const hash = createHash('sha256');
  const skip = (reason: SkipReason, detail: string, type?: DocType): Processed => ({
    status: 'skipped',
    rawHash: '',
    reason,
    detail,
    ...(type ? { type } : {}),
  });
  if (file.size === 0) return skip('empty', 'The file is empty (0 bytes).');
  if (file.size > settings.maxFileBytes) {
    return skip(
      'too large',
      `It is ${mb(file.size)}, over the ${mb(settings.maxFileBytes)} limit per file; raise maxFileBytes or split the file.`,
    );
  }
  let fh: FileHandle | undefined;
  if (!prefetched || prefetched.length !== file.size) {
    try {
      fh = await open(file.abs, 'r');
    } catch (err) {
      const failure = readFailure(err);
      return skip(failure?.reason ?? 'unreadable', failure?.detail ?? 'It cannot be opened; check its permissions and ingest again.');
    }
  }
  const reader = new HashingReader(fh, fh ? file.size : prefetched!, hash, ctx.onBytes);
  const start = ctx.incoming.tokens;
  let type: DocType | undefined;
  const done = async (p: Processed): Promise<Processed> => {
    await reader.finish(undefined);
    return { ...p, rawHash: reader.digest() };
  };
  try {
    const head = await reader.head(Math.min(file.size, HEAD_BYTES));
    const sniff = sniffBytes(head, head.length === file.size);
    let guess: TypeGuess;
    let encoding: TextEncoding | undefined;
    if (sniff.kind === 'binary') return await done(skip('binary', sniff.detail));
    if (sniff.kind === 'pdf') guess = { type: 'pdf' };
    else if (sniff.kind === 'zip') {
      if (file.size > settings.maxWholeFileBytes) return await done(skip('too large', tooLargeWhole(file.size, settings)));
      const names = zipNames(await reader.all());
      const ext = extname(file.path).toLowerCase();
      // A .docx/.epub name on a zip without the right parts is a damaged document, not just an archive.
      if (names.includes('word/document.xml') || ext === '.docx') guess = { type: 'docx' };
      else if (names.includes('META-INF/container.xml') || names.includes('mimetype') || ext === '.epub') guess = { type: 'epub' };
      else return await done(skip('binary', 'It is a zip archive; unpack it into the folder to include its files.'));
    } else {
      encoding = sniff.encoding;
      guess = textType(file.path, textDecoder(encoding).decode(head));
    }
    type = guess.type;
    const extractor = extractorFor(guess.type);
    if (extractor.whole && file.size > settings.maxWholeFileBytes)
      return await done(skip('too large', tooLargeWhole(file.size, settings), type));
    const notes: string[] = [];
    const source: ExtractSource = {
      path: file.path,
      size: file.size,
      text: () => reader.text(encoding ?? 'utf-8'),
      bytes: () => reader.all(),
      maxExpandedBytes: expansionLimit(file.size, settings),
      note: (text) => notes.push(text),
    };
    const normalizer = new Normalizer(extractor.style);
    const minhash = new MinHasher(settings.nearDuplicateSampleChars);
    const textHash = createHash('sha256');
    const pieces: PieceRecord[] = [];
    let buffer = '';
    const emit = async (text: string): Promise<void> => {
      if (!text) return;
      textHash.update(text);
      minhash.push(text);
      buffer += text;
      while (buffer.length >= settings.pieceChars) {
        const cut = pieceCut(buffer, settings.pieceChars);
        await tokenizePiece(buffer.slice(0, cut));
        buffer = buffer.slice(cut);
      }
    };
    const tokenizePiece = async (text: string): Promise<void> => {
      // From the second piece on, let a cancel message reach the signal: a document already in memory would
      // otherwise not return to the event loop until its last piece is tokenized.
      if (ctx.signal && pieces.length > 0) await new Promise((resolve) => setImmediate(resolve));
      ctx.signal?.throwIfAborted();
      const offset = ctx.incoming.tokens;
      const ids = ctx.tokenizer.encode(text);
      await ctx.incoming.write(ids);
      pieces.push({ tokens: ids.length, bytes: Buffer.byteLength(text), file: INCOMING, offset });
    };
    for await (const raw of extractor.extract(source, guess.type)) await emit(normalizer.push(raw));
    await emit(normalizer.end());
    if (buffer) await tokenizePiece(buffer);
    await reader.finish(undefined);
    const textBytes = pieces.reduce((a, p) => a + p.bytes, 0);
    if (textBytes === 0) {
      await ctx.incoming.truncate(start);
      const dropped = normalizer.droppedCount
        ? ` (${normalizer.droppedCount.toLocaleString('en-US')} control characters were removed; check the file's encoding)`
        : '';
      return {
        ...skip('empty', `No text is left once markup, blank space and control characters are removed${dropped}.`, type),
        rawHash: reader.digest(),
      };
    }
    const signature = minhash.signature();
    const dropped = normalizer.dropNote();
    if (dropped) notes.push(dropped);
    return {
      status: 'accepted',
      rawHash: reader.digest(),
      type: guess.type,
      ...(guess.language ? { language: guess.language } : {}),
      ...(encoding && extractor.whole === false ? { encoding } : {}),
      ...(notes.length ? { notes } : {}),
      doc: { textHash: textHash.digest('hex'), signature: encodeSignature(signature), textBytes, pieces },
      signature,
    };
  } catch (err) {
    await ctx.incoming.truncate(start);
    const digest = await reader.finish(undefined).then(
      () => reader.digest(),
      () => '',
    );
    if (ctx.signal?.aborted) throw ctx.signal.reason;
    if (err instanceof ExtractSkip) return { ...skip(err.reason, err.detail, type), rawHash: digest };
    // A tokenizer or token store that breaks its contract (an id the shards cannot hold) fails the run, not one file.
    if (err instanceof GroveError && err.code === 'internal') throw err;
    // Engine and OS errors get their sentence from read-errors.ts (a GroveError's code is Grove's, not an errno);
    // what remains is a parser's complaint about the document itself.
    const failure = err instanceof GroveError ? undefined : readFailure(err);
    if (failure) return { ...skip(failure.reason, failure.detail, type), rawHash: digest };
    return {
      ...skip(
        'corrupt',
        `Its ${type ?? 'content'} could not be read (${err instanceof Error ? err.message.slice(0, 200) : String(err)}); open and save it again, or convert it to plain text.`,
        type,
      ),
      rawHash: digest,
    };
  } finally {
    await fh?.close();
  }
}

/** Where to end a piece: the last paragraph break past half the target, else the last line end, else the target. */
function pieceCut(text: string, target: number): number {
  const para = text.lastIndexOf('\n\n', target);
  if (para >= target / 2) return para + 2;
  const line = text.lastIndexOf('\n', target);
  if (line >= target / 2) return line + 1;
  const code = text.charCodeAt(target - 1);
  return code >= 0xd800 && code <= 0xdbff ? target - 1 : target; // never split a surrogate pair
}

/** Reads a file once, whichever way the extractor wants it, hashing every byte on the way (the hash drives incremental ingest). */
class HashingReader {
  private pos = 0;
  private hashedTo = 0;
  private whole: Uint8Array | undefined;
  private buf: Uint8Array | undefined;
  private digested: string | undefined;
  private readonly size: number;

  /** From an open file of `size` bytes, or from the file's bytes already in memory. */
  constructor(
    private readonly fh: FileHandle | undefined,
    sizeOrData: number | Uint8Array,
    private readonly hash: Hash,
    private readonly onBytes: (n: number) => void,
  ) {
    if (typeof sizeOrData === 'number') this.size = sizeOrData;
    else {
      this.size = sizeOrData.length;
      this.whole = sizeOrData;
    }
  }

  /** The first bytes, for sniffing; not hashed yet (text() and all() read from the start again). */
  async head(n: number): Promise<Uint8Array> {
    if (this.whole) return this.whole.subarray(0, n);
    const buf = new Uint8Array(n);
    const { bytesRead } = await this.fh!.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  }

  async *text(encoding: TextEncoding): AsyncGenerator<string> {
    const decoder = textDecoder(encoding);
    if (this.whole) {
      this.pos = 0;
      this.take(this.whole);
      yield decoder.decode(this.whole);
      return;
    }
    const buf = this.chunkBuffer();
    this.pos = 0;
    for (;;) {
      const { bytesRead } = await this.fh!.read(buf, 0, buf.length, this.pos);
      if (bytesRead === 0) break;
      this.take(buf.subarray(0, bytesRead));
      yield decoder.decode(buf.subarray(0, bytesRead), { stream: true });
    }
    const rest = decoder.decode();
    if (rest) yield rest;
  }

  async all(): Promise<Uint8Array> {
    if (!this.whole) {
      const buf = new Uint8Array(this.size);
      let at = 0;
      while (at < this.size) {
        const { bytesRead } = await this.fh!.read(buf, at, this.size - at, at);
        if (bytesRead === 0) break;
        at += bytesRead;
      }
      this.whole = buf.subarray(0, at);
    }
    this.pos = 0;
    this.take(this.whole);
    return this.whole;
  }

  /** Hashes what the extractor did not read, so the content hash always covers the whole file. */
  async finish<T>(result: T): Promise<T> {
    if (this.whole) {
      this.pos = 0;
      this.take(this.whole);
      return result;
    }
    const buf = this.chunkBuffer();
    this.pos = this.hashedTo;
    for (;;) {
      const { bytesRead } = await this.fh!.read(buf, 0, buf.length, this.pos);
      if (bytesRead === 0) break;
      this.take(buf.subarray(0, bytesRead));
    }
    return result;
  }

  digest(): string {
    this.digested ??= this.hash.digest('hex');
    return this.digested;
  }

  /** One read buffer per file, no bigger than the file: thousands of small files must not each allocate 1 MiB. */
  private chunkBuffer(): Uint8Array {
    this.buf ??= new Uint8Array(Math.min(READ_CHUNK, this.size + 1));
    return this.buf;
  }

  private take(chunk: Uint8Array): void {
    const end = this.pos + chunk.length;
    // A second read from the start (zip listing, then extraction) must not hash or count the bytes twice.
    if (end > this.hashedTo) {
      this.hash.update(chunk.subarray(this.hashedTo - this.pos));
      this.onBytes(end - this.hashedTo);
      this.hashedTo = end;
    }
    this.pos = end;
  }
}

function tooLargeWhole(size: number, s: IngestSettings): string {
  return `It is ${mb(size)}; this format is parsed whole and the limit is ${mb(s.maxWholeFileBytes)}. Raise maxWholeFileBytes or split the document.`;
}

function mb(n: number): string {
  return `${(n / 1024 ** 2).toFixed(1)} MiB`;
}
