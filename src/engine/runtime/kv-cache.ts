// The KV cache of one sequence for the 'in-place' decode graphs (graphs.ts): per layer one key and one
// value buffer [1, Hkv, capacity, D] that each run is fed as past_key_values.* and given as the
// pre-allocated present.* outputs, so GroupQueryAttention writes the new rows into them where they lie
// instead of the graph copying the whole cache every token. The capacity doubles when a run would
// overflow it (the rows held are copied once), so a short chat does not hold a full-context cache.
import { GroveError } from '../../shared/api/errors';
import type { ModelConfig } from '../model/config';
import { ort } from './ort';

/** Rows of the first allocation: a few hundred tokens of chat without a regrowth. */
export const INITIAL_KV_CAPACITY = 256;

export class InPlaceKvCache {
  /** Rows filled: the positions the model has seen. */
  length = 0;
  private capacity = 0;
  private buffers: Float32Array[] = []; // [layer * 2 + (0 key | 1 value)], each Hkv x capacity x D
  private tensors: ort.Tensor[] = [];
  private readonly names: { past: string; present: string }[] = [];

  constructor(
    private readonly config: ModelConfig,
    private readonly maxLength: number,
    private readonly initialCapacity = INITIAL_KV_CAPACITY,
  ) {
    for (let i = 0; i < config.numHiddenLayers; i++) {
      for (const kind of ['key', 'value']) this.names.push({ past: `past_key_values.${i}.${kind}`, present: `present.${i}.${kind}` });
    }
  }

  /** Forgets every row (the buffers are kept for the next sequence). */
  clear(): void {
    this.length = 0;
  }

  /**
   * Feeds and fetches for a run over n new positions: the cache buffers as both past and present,
   * seqlens_k = length + n - 1 and total_sequence_length = length + n. Call advance(n) after the run.
   */
  io(n: number): { feeds: Record<string, ort.Tensor>; fetches: Record<string, ort.Tensor | null> } {
    const total = this.length + n;
    if (total > this.maxLength) throw new GroveError('bad_input', `The model's context holds ${this.maxLength} tokens; this run would make it ${total}.`);
    if (total > this.capacity) this.grow(total);
    const feeds: Record<string, ort.Tensor> = {
      seqlens_k: new ort.Tensor('int32', Int32Array.of(total - 1), [1]),
      total_sequence_length: new ort.Tensor('int32', Int32Array.of(total), []),
    };
    const fetches: Record<string, ort.Tensor | null> = { logits: null };
    this.names.forEach((n, j) => {
      feeds[n.past] = this.tensors[j] as ort.Tensor;
      fetches[n.present] = this.tensors[j] as ort.Tensor;
    });
    return { feeds, fetches };
  }

  advance(n: number): void {
    this.length += n;
  }

  /** New buffers of at least `rows` rows (doubling, at most maxLength), holding the rows filled so far. */
  private grow(rows: number): void {
    const { numKeyValueHeads: Hkv, headDim: D } = this.config;
    let capacity = Math.max(this.capacity, this.initialCapacity);
    while (capacity < rows) capacity *= 2;
    capacity = Math.min(capacity, Math.max(rows, this.maxLength));
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
