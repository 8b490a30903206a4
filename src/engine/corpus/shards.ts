// Token files: the append-only store new documents are tokenized into, and split shards (uint16 or uint32, written atomically).
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import { commitFile } from '../durable-write';

export type TokenDtype = 'uint16' | 'uint32';

/** uint16 holds ids 0..65535, so it fits every vocabulary of up to 65,536 entries; bigger ones need uint32. */
export function dtypeFor(vocabSize: number): TokenDtype {
  return vocabSize <= 65536 ? 'uint16' : 'uint32';
}

/** The largest id each dtype holds. */
const MAX_ID: Record<TokenDtype, number> = { uint16: 2 ** 16 - 1, uint32: 2 ** 32 - 1 };

export function bytesPerToken(dtype: TokenDtype): number {
  return dtype === 'uint16' ? 2 : 4;
}

const BUFFER_TOKENS = 256 * 1024;

/** Buffered appends of token ids to one file; `tokens` is the position in tokens. */
class TokenAppender {
  tokens = 0;
  private readonly buf: Uint16Array | Uint32Array;
  private used = 0;
  private written = 0; // bytes on disk

  constructor(
    protected readonly fh: FileHandle,
    readonly dtype: TokenDtype,
    private readonly vocabSize: number,
  ) {
    this.buf = dtype === 'uint16' ? new Uint16Array(BUFFER_TOKENS) : new Uint32Array(BUFFER_TOKENS);
  }

  /** Appends `ids`, all or none: every id is checked before any is buffered. */
  async write(ids: ArrayLike<number>): Promise<void> {
    const maxId = MAX_ID[this.dtype];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      // A typed array would store an id that does not fit as id mod 2^16 or 2^32: a silently different token.
      if (!Number.isInteger(id) || id < 0 || id > maxId) {
        throw new GroveError(
          'internal',
          `The tokenizer produced token id ${id}, which a ${this.dtype} token file cannot hold (0 to ${maxId}); nothing was written for it. The tokenizer is damaged: load it again, or report this.`,
          {
            id,
            dtype: this.dtype,
          },
        );
      }
      if (id >= this.vocabSize) {
        throw new GroveError(
          'internal',
          `The tokenizer produced token id ${id}, outside its vocabulary of ${this.vocabSize}; the tokenizer and its vocabulary size disagree.`,
          { id, vocabSize: this.vocabSize },
        );
      }
    }
    for (let i = 0; i < ids.length; i++) {
      this.buf[this.used++] = ids[i]!;
      if (this.used === BUFFER_TOKENS) await this.flush();
    }
    this.tokens += ids.length;
  }

  async flush(): Promise<void> {
    if (this.used === 0) return;
    const bytes = new Uint8Array(this.buf.buffer, 0, this.used * this.buf.BYTES_PER_ELEMENT);
    await this.fh.write(bytes, 0, bytes.length, this.written);
    this.written += bytes.length;
    this.used = 0;
  }

  /** Forgets everything from token position `at` on (a document that turned out to be a duplicate). */
  async truncate(at: number): Promise<void> {
    await this.flush();
    await this.fh.truncate(at * this.buf.BYTES_PER_ELEMENT);
    this.written = at * this.buf.BYTES_PER_ELEMENT;
    this.tokens = at;
  }
}

/** Where this run's new documents are tokenized to before the shards are assembled. */
export class IncomingTokens extends TokenAppender {
  static async create(path: string, dtype: TokenDtype, vocabSize: number): Promise<IncomingTokens> {
    return new IncomingTokens(await open(path, 'w+'), dtype, vocabSize);
  }

  async close(): Promise<void> {
    await this.flush();
    await this.fh.close();
  }
}

export interface ShardInfo {
  file: string; // name inside the shard folder
  tokens: number;
}

/** Writes one split's tokens into shard files of at most `shardTokens`, each one temp + fsync + rename. */
export class ShardWriter {
  readonly shards: ShardInfo[] = [];
  private current: { appender: TokenAppender; fh: FileHandle; name: string } | undefined;

  constructor(
    private readonly dir: string,
    private readonly prefix: string,
    private readonly dtype: TokenDtype,
    private readonly vocabSize: number,
    private readonly shardTokens: number,
  ) {}

  /**
   * Starts a piece and says where it goes. A shard is closed once it reaches `shardTokens`, between pieces,
   * never inside one: every piece then has a single (file, offset), which is what lets the next run copy
   * unchanged documents straight out of these shards.
   */
  async beginPiece(): Promise<{ file: string; offset: number }> {
    if (this.current && this.current.appender.tokens >= this.shardTokens) await this.closeCurrent();
    const shard = await this.open();
    return { file: shard.name, offset: shard.appender.tokens };
  }

  /** Appends tokens to the current shard (a piece's tokens, or the EOS after a document). */
  async append(ids: ArrayLike<number>): Promise<void> {
    await (await this.open()).appender.write(ids);
  }

  async finish(): Promise<ShardInfo[]> {
    await this.closeCurrent();
    return this.shards;
  }

  private nextName(): string {
    return `${this.prefix}-${String(this.shards.length).padStart(5, '0')}.bin`;
  }

  private async open(): Promise<{ appender: TokenAppender; fh: FileHandle; name: string }> {
    if (this.current) return this.current;
    const name = this.nextName();
    const fh = await open(join(this.dir, `${name}.tmp`), 'w');
    this.current = { appender: new TokenAppender(fh, this.dtype, this.vocabSize), fh, name };
    return this.current;
  }

  private async closeCurrent(): Promise<void> {
    const c = this.current;
    if (!c) return;
    this.current = undefined;
    await c.appender.flush();
    await c.fh.sync();
    await c.fh.close();
    await commitFile(join(this.dir, `${c.name}.tmp`), join(this.dir, c.name));
    this.shards.push({ file: c.name, tokens: c.appender.tokens });
  }
}

/** Reads token ranges from token files, keeping the files open across calls. */
export class TokenReader {
  private readonly handles = new Map<string, FileHandle>();

  constructor(private readonly dtype: TokenDtype) {}

  async *range(path: string, offset: number, count: number): AsyncGenerator<Uint16Array | Uint32Array> {
    let fh = this.handles.get(path);
    if (!fh) {
      fh = await open(path, 'r');
      this.handles.set(path, fh);
    }
    const bpt = bytesPerToken(this.dtype);
    for (let done = 0; done < count;) {
      const n = Math.min(BUFFER_TOKENS, count - done);
      const buf = new Uint8Array(n * bpt);
      const { bytesRead } = await fh.read(buf, 0, buf.length, (offset + done) * bpt);
      if (bytesRead !== buf.length)
        throw new Error(`Token file ${path} is shorter than its manifest says; ingest the folder again from scratch.`);
      yield this.dtype === 'uint16' ? new Uint16Array(buf.buffer) : new Uint32Array(buf.buffer);
      done += n;
    }
  }

  async close(): Promise<void> {
    for (const fh of this.handles.values()) await fh.close();
    this.handles.clear();
  }
}
