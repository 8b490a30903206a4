// Training batches: random windows of T+1 tokens from a domain's token shards (uint16 or uint32 files).
// Counter-based sampling: the windows of step s come from an RNG stream named by s, so any step's batch
// can be recomputed from (seed, step) alone and a resumed run sees exactly the batches it would have.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { GroveError } from '../../shared/api/errors';
import { Rng } from '../model/rng';

export interface ShardFile {
  path: string;
  dtype: 'uint16' | 'uint32';
}

interface OpenShard {
  fd: number;
  path: string;
  bytesPerToken: 2 | 4;
  tokens: number;
}

export interface Batch {
  /** [B, T] input ids. */
  inputs: Int32Array;
  /** [B, T] next-token targets (inputs shifted by one). */
  targets: Int32Array;
}

export class TokenWindows {
  private readonly shards: OpenShard[];
  /** Cumulative count of usable window starts per shard, for choosing a shard by its share of tokens. */
  private readonly cumulativeStarts: number[];
  private readonly scratch: Buffer;

  constructor(
    files: readonly ShardFile[],
    readonly windowTokens: number, // T
    readonly seed: number,
  ) {
    if (!Number.isInteger(windowTokens) || windowTokens < 1)
      throw new GroveError('bad_input', `windowTokens must be a positive integer, got ${windowTokens}.`);
    this.shards = files.map((f) => {
      const fd = openSync(f.path, 'r');
      const bytesPerToken = f.dtype === 'uint16' ? 2 : 4;
      const size = fstatSync(fd).size;
      if (size % bytesPerToken !== 0) {
        closeSync(fd);
        throw new GroveError(
          'bad_input',
          `Shard ${f.path} is ${size} bytes, not a whole number of ${f.dtype} tokens: it is truncated or not a shard.`,
        );
      }
      return { fd, path: f.path, bytesPerToken, tokens: size / bytesPerToken };
    });
    let total = 0;
    this.cumulativeStarts = this.shards.map((s) => (total += Math.max(0, s.tokens - windowTokens)));
    if (total === 0) {
      const have = this.shards.reduce((n, s) => n + s.tokens, 0);
      this.close();
      throw new GroveError(
        'bad_input',
        `The shards hold ${have} tokens, but one training window needs ${windowTokens + 1} in a single shard: add more text or use a shorter context.`,
      );
    }
    this.scratch = Buffer.alloc((windowTokens + 1) * 4);
  }

  get totalTokens(): number {
    return this.shards.reduce((n, s) => n + s.tokens, 0);
  }

  /** The B windows of `step`, deterministic in (seed, step). */
  batch(step: number, batchSize: number): Batch {
    const T = this.windowTokens;
    const inputs = new Int32Array(batchSize * T);
    const targets = new Int32Array(batchSize * T);
    const rng = new Rng(this.seed, `batch:${step}`);
    const totalStarts = this.cumulativeStarts.at(-1) as number;
    for (let b = 0; b < batchSize; b++) {
      const pick = Math.floor((rng.nextUint32() / 4294967296) * totalStarts);
      let i = 0;
      while ((this.cumulativeStarts[i] as number) <= pick) i++;
      const shard = this.shards[i] as OpenShard;
      const start = pick - (i > 0 ? (this.cumulativeStarts[i - 1] as number) : 0);
      this.readWindow(shard, start, inputs, targets, b * T);
    }
    return { inputs, targets };
  }

  private readWindow(shard: OpenShard, start: number, inputs: Int32Array, targets: Int32Array, at: number): void {
    const T = this.windowTokens;
    const bytes = (T + 1) * shard.bytesPerToken;
    const read = readSync(shard.fd, this.scratch, 0, bytes, start * shard.bytesPerToken);
    if (read !== bytes)
      throw new GroveError('internal', `Short read from shard ${shard.path} at token ${start}: the file changed while training.`);
    for (let t = 0; t <= T; t++) {
      const id = shard.bytesPerToken === 2 ? this.scratch.readUInt16LE(t * 2) : this.scratch.readUInt32LE(t * 4);
      if (t < T) inputs[at + t] = id;
      if (t > 0) targets[at + t - 1] = id;
    }
  }

  close(): void {
    for (const s of this.shards) closeSync(s.fd);
    this.shards.length = 0;
  }
}
