// The KV cache of one sequence for the 'rows' decode graphs (graphs.ts): per layer one key and one value
// buffer [1, Hkv, capacity, D] in JS memory, fed to every run as past_key_values.* (onnxruntime-node passes
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
  ) {
    for (let i = 0; i < config.numHiddenLayers; i++) for (const kind of ['key', 'value']) this.names.push(`past_key_values.${i}.${kind}`);
  }

  /** Forgets every row (the buffers are kept for the next sequence). */
  clear(): void {
    this.length = 0;
  }

  /** The cache inputs of a run over n new positions: the buffers, seqlens_k = length + n - 1, total_sequence_length = length + n. */
  feeds(n: number): Record<string, ort.Tensor> {
    const total = this.length + n;
    if (total > this.maxLength) throw new GroveError('bad_input', `The model's context holds ${this.maxLength} tokens; this run would make it ${total}.`);
    if (total > this.capacity) this.grow(total);
    const feeds: Record<string, ort.Tensor> = {
      seqlens_k: new ort.Tensor('int32', Int32Array.of(total - 1), [1]),
      total_sequence_length: new ort.Tensor('int32', Int32Array.of(total), []),
    };
    this.names.forEach((name, j) => (feeds[name] = this.tensors[j] as ort.Tensor));
    return feeds;
  }

  /** Appends a run's new rows, new_key_values [2L, Hkv, n, D], at rows length..length+n-1. */
  append(rows: Float32Array, n: number): void {
    const { numKeyValueHeads: Hkv, headDim: D } = this.config;
    if (rows.length !== this.buffers.length * Hkv * n * D) throw new GroveError('internal', `new_key_values holds ${rows.length} values, not ${this.buffers.length} x ${Hkv} x ${n} x ${D}.`);
    for (let j = 0; j < this.buffers.length; j++) {
      const buffer = this.buffers[j] as Float32Array;
      for (let h = 0; h < Hkv; h++) {
        const from = (j * Hkv + h) * n * D;
        buffer.set(rows.subarray(from, from + n * D), (h * this.capacity + this.length) * D);
      }
    }
    this.length += n;
  }

  /** Buffers of at least `rows` rows (a multiple of the step, at most maxLength), holding the rows filled so far. */
  private grow(rows: number): void {
    const { numKeyValueHeads: Hkv, headDim: D } = this.config;
    const capacity = Math.min(Math.ceil(rows / this.step) * this.step, Math.max(rows, this.maxLength));
    const old = this.buffers;
    const oldCapacity = this.capacity;
    this.buffers = this.names.map((_, j) => {
      const next = new Float32Array(Hkv * capacity * D);
      const prev = old[j];
      // Head h's rows start at h * capacity * D; copy the filled ones of each head.
      if (prev) for (let h = 0; h < Hkv; h++) next.set(prev.subarray(h * oldCapacity * D, (h * oldCapacity + this.length) * D), h * capacity * D);
      return next;
    });
    this.capacity = capacity;
    this.tensors = this.buffers.map((data) => new ort.Tensor('float32', data, [1, Hkv, capacity, D]));
  }
}
