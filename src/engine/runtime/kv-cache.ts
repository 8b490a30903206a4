// The KV cache of one sequence for the 'rows' decode graphs (graphs.ts): per layer one key and one value
// buffer [B, Hkv, capacity, D] in JS memory (B rows: one, or one per light expert of a batched ensemble, all
// fed the same tokens, so every row has the same length), fed to every run as past_key_values.* (onnxruntime-node passes
// an input's memory to ONNX Runtime without copying it); the run returns only its new rows
// (new_key_values), which are appended here. The capacity grows in steps of a few rows, copying the rows
// held once per step, so the graph's attention never reads far past the filled rows.
import { GroveError } from '../../shared/api/errors';
import type { ModelConfig } from '../model/config';
import { ort } from './ort';

/** Rows the capacity grows by: GroupQueryAttention clears and fills a present buffer of the whole capacity per layer. */
export const KV_CACHE_STEP = 64;

export class KvCache {
  /** Rows filled: the positions the model has seen. */
  length = 0;
  private capacity = 0;
  private buffers: Float32Array[] = []; // [layer * 2 + (0 key | 1 value)], each Hkv x capacity x D
  private tensors: ort.Tensor[] = [];
  private readonly names: string[] = [];

  constructor(
    private readonly config: ModelConfig,
    private readonly maxLength: number,
    private readonly step = KV_CACHE_STEP,
    /** Batch rows. */
    private readonly batch = 1,
  ) {
    for (let i = 0; i < config.numHiddenLayers; i++) for (const kind of ['key', 'value']) this.names.push(`past_key_values.${i}.${kind}`);
  }

  /** Forgets every row (the buffers are kept for the next sequence). */
  clear(): void {
    this.length = 0;
  }

  /** The cache inputs of a run over n new positions: the buffers, seqlens_k = length + n - 1, total_sequence_length = length + n. */
  feeds(n: number): Record<string, ort.Tensor> {
    const total = this.reserve(n);
    const feeds: Record<string, ort.Tensor> = {
      seqlens_k: new ort.Tensor('int32', new Int32Array(this.batch).fill(total - 1), [this.batch]),
      total_sequence_length: new ort.Tensor('int32', Int32Array.of(total), []),
    };
    this.names.forEach((name, j) => (feeds[name] = this.tensors[j] as ort.Tensor));
    return feeds;
  }

  /**
   * The cache inputs of a batch-1 run of row b alone over n new positions: views of row b's part of the
   * buffers (no copy). GroupQueryAttention takes a chunk of several positions after a past only at batch 1,
   * so a batched prompt goes on row by row after its first chunk.
   */
  rowFeeds(b: number, n: number): Record<string, ort.Tensor> {
    const total = this.reserve(n);
    const { numKeyValueHeads: Hkv, headDim: D } = this.config;
    const slab = Hkv * this.capacity * D;
    const feeds: Record<string, ort.Tensor> = {
      seqlens_k: new ort.Tensor('int32', Int32Array.of(total - 1), [1]),
      total_sequence_length: new ort.Tensor('int32', Int32Array.of(total), []),
    };
    this.names.forEach(
      (name, j) =>
        (feeds[name] = new ort.Tensor('float32', this.buffers[j]!.subarray(b * slab, (b + 1) * slab), [1, Hkv, this.capacity, D])),
    );
    return feeds;
  }

  /** Appends a run's new rows, new_key_values [2L * B, Hkv, n, D] (batch rows within each layer's key, value), at rows length..length+n-1. */
  append(rows: Float32Array, n: number): void {
    this.write(rows, n, 0, this.batch);
    this.length += n;
  }

  /** Writes a batch-1 run's new rows (rowFeeds) for row b; advance(n) once every row has its. */
  appendRow(b: number, rows: Float32Array, n: number): void {
    this.write(rows, n, b, 1);
  }

  advance(n: number): void {
    this.length += n;
  }

  /** Writes new_key_values [2L * count, Hkv, n, D] of batch rows first..first+count-1 at rows length..length+n-1. */
  private write(rows: Float32Array, n: number, first: number, count: number): void {
    const { numKeyValueHeads: Hkv, headDim: D } = this.config;
    if (rows.length !== this.buffers.length * count * Hkv * n * D)
      throw new GroveError(
        'internal',
        `new_key_values holds ${rows.length} values, not ${this.buffers.length * count} x ${Hkv} x ${n} x ${D}.`,
      );
    for (let j = 0; j < this.buffers.length; j++) {
      const buffer = this.buffers[j] as Float32Array;
      // Batch row b, head h: its own slab of capacity rows.
      for (let bh = 0; bh < count * Hkv; bh++) {
        const from = (j * count * Hkv + bh) * n * D;
        buffer.set(rows.subarray(from, from + n * D), ((first * Hkv + bh) * this.capacity + this.length) * D);
      }
    }
  }

  /** Room for n more positions (growing the buffers if needed); returns length + n. */
  private reserve(n: number): number {
    const total = this.length + n;
    if (total > this.maxLength)
      throw new GroveError('bad_input', `The model's context holds ${this.maxLength} tokens; this run would make it ${total}.`);
    if (total > this.capacity) this.grow(total);
    return total;
  }

  /** Buffers of at least `rows` rows (a multiple of the step, at most maxLength), holding the rows filled so far. */
  private grow(rows: number): void {
    const { numKeyValueHeads: Hkv, headDim: D } = this.config;
    const capacity = Math.min(Math.ceil(rows / this.step) * this.step, Math.max(rows, this.maxLength));
    const old = this.buffers;
    const oldCapacity = this.capacity;
    const slabs = this.batch * Hkv;
    this.buffers = this.names.map((_, j) => {
      const next = new Float32Array(slabs * capacity * D);
      const prev = old[j];
      // Row b, head h's slab starts at (b * Hkv + h) * capacity * D; copy the filled rows of each.
      if (prev)
        for (let bh = 0; bh < slabs; bh++)
          next.set(prev.subarray(bh * oldCapacity * D, (bh * oldCapacity + this.length) * D), bh * capacity * D);
      return next;
    });
    this.capacity = capacity;
    this.tensors = this.buffers.map((data) => new ort.Tensor('float32', data, [this.batch, Hkv, capacity, D]));
  }
}
