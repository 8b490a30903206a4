// The KV cache of a decoding session in whichever form its decode graphs take (graphs.ts): 'rows', buffers
// that every run's new rows are appended to (kv-cache.ts), or 'concat', where each run's present tensors
// become the next run's past. B batch rows (one sequence, or one row per light expert of a batched ensemble),
// all fed the same tokens, so they share one length.
import { GroveError } from '../../shared/api/errors';
import type { ModelConfig } from '../model/config';
import type { CacheForm } from '../model/llama/graphs';
import { KvCache, KV_CACHE_STEP } from './kv-cache';
import { ort } from './ort';

export class DecodeCache {
  private readonly rows: KvCache | null;
  private past: Record<string, ort.Tensor>;
  private fed = 0; // positions fed (concat form; the rows form asks its cache)

  constructor(
    private readonly config: ModelConfig,
    form: CacheForm,
    private readonly batch = 1,
    step = KV_CACHE_STEP,
  ) {
    this.rows = form === 'rows' ? new KvCache(config, config.maxPositionEmbeddings, step, batch) : null;
    this.past = emptyPast(config, batch);
  }

  get length(): number {
    return this.rows ? this.rows.length : this.fed;
  }

  /** The cache inputs of a run over n new positions. */
  feeds(n: number): Record<string, ort.Tensor> {
    return this.rows ? this.rows.feeds(n) : this.past;
  }

  /** Takes in a run's cache outputs (new_key_values, or present.*) over n new positions. */
  update(out: ort.InferenceSession.OnnxValueMapType, n: number): void {
    if (this.rows) {
      this.rows.append(out.new_key_values!.data as Float32Array, n);
      return;
    }
    const next: Record<string, ort.Tensor> = {};
    for (let i = 0; i < this.config.numHiddenLayers; i++) {
      for (const kind of ['key', 'value']) next[`past_key_values.${i}.${kind}`] = out[`present.${i}.${kind}`] as ort.Tensor;
    }
    this.past = next;
    this.fed += n;
  }

  /**
   * Whether a run of n positions must go row by row: GroupQueryAttention (the rows form) takes several new
   * positions after a past only at batch 1 ("batch_size must be 1 when sequence_length > 1 and past context
   * is given"). Then each row runs alone (rowFeeds, updateRow), and advance(n) follows.
   */
  rowByRow(n: number): boolean {
    return this.rows !== null && this.batch > 1 && n > 1 && this.rows.length > 0;
  }

  /** The inputs of a batch-1 run of row b over n new positions (rows form; views, no copy). */
  rowFeeds(b: number, n: number): Record<string, ort.Tensor> {
    return this.rowsForm().rowFeeds(b, n);
  }

  /** Takes in a batch-1 run's new_key_values for row b. */
  updateRow(b: number, out: ort.InferenceSession.OnnxValueMapType, n: number): void {
    this.rowsForm().appendRow(b, out.new_key_values!.data as Float32Array, n);
  }

  /** After every row's updateRow: the n positions are in. */
  advance(n: number): void {
    this.rowsForm().advance(n);
  }

  private rowsForm(): KvCache {
    if (!this.rows) throw new GroveError('internal', 'DecodeCache: runs row by row are for the rows cache form only.');
    return this.rows;
  }

  /** Forgets every position (the rows form keeps its buffers for the next sequence). */
  clear(): void {
    if (this.rows) this.rows.clear();
    else this.past = emptyPast(this.config, this.batch);
    this.fed = 0;
  }
}

/** Empty past_key_values [B, Hkv, 0, D] of the concat form. */
export function emptyPast(config: ModelConfig, batch: number): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  const { numKeyValueHeads: Hkv, headDim: D } = config;
  for (let i = 0; i < config.numHiddenLayers; i++) {
    for (const kind of ['key', 'value'])
      feeds[`past_key_values.${i}.${kind}`] = new ort.Tensor('float32', new Float32Array(0), [batch, Hkv, 0, D]);
  }
  return feeds;
}
