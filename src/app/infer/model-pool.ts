// Models kept open between chat messages (ONNX Runtime sessions take a while to create), keyed by their
// weights' sha256 (or folder, for a folder outside the store), the threads their sessions run with and their
// quantization (f32, 8 or 4 bits: every model of a reply alike, so an ensemble's experts match). When
// more than `maxOpen` are open, the least recently used ones that the current reply does not need are
// closed. A light expert is its base (opened once for all the light experts over it) and its adapter, read
// into memory once and kept likewise (up to `maxAdapters`). Tokenizers are kept too.
import { loadAdapter, type LoadedAdapter } from '../../engine/runtime/adapter-feeds';
import type { ModelQuant } from '../../engine/quant/plan';
import { LlamaModel, type ModelRunOptions } from '../../engine/runtime/llama-model';
import { loadTokenizer } from '../../engine/tokenize/load';
import type { Tokenizer } from '../../engine/tokenize/tokenizer';

export interface PooledModelRef {
  /** What identifies the weights: their sha256, or the folder (a light expert: its base's). */
  key: string;
  /** The model folder (a light expert: its base's). */
  folder: string;
  /** A light expert's adapter: what identifies it, and its PEFT adapter folder. */
  adapter?: { key: string; folder: string };
}

export const DEFAULT_MAX_OPEN_MODELS = 4;
/** Adapters kept in memory (a rank-16 adapter of the 135M shape on every projection is 20 MB). */
export const DEFAULT_MAX_ADAPTERS = 16;

export class ModelPool {
  /** Insertion order = recency: a use moves the entry to the end. */
  private readonly models = new Map<string, Promise<LlamaModel>>();
  private readonly loaded = new Map<string, Promise<LoadedAdapter>>();
  private readonly tokenizers = new Map<string, Promise<Tokenizer>>();

  constructor(private readonly o: { maxOpen?: number; maxAdapters?: number; run?: ModelRunOptions } = {}) {}

  get openKeys(): string[] {
    return [...this.models.keys()];
  }

  /**
   * Opens (or reuses) every model of one reply, with `threads` (default: the pool's), then closes the least
   * recently used others over the limit. A model asked for with other threads than it is open with is
   * opened again (sessions fix their threads when made); the old one ages out.
   */
  async use(refs: readonly PooledModelRef[], threads?: number, quant?: ModelQuant): Promise<LlamaModel[]> {
    const run = { ...this.o.run, ...(threads ? { threads } : {}), ...(quant ? { quant } : {}) };
    // Keyed by weights alone at the pool's threads and quantization, by weights, threads and quantization otherwise.
    const own = (run.threads ?? 0) === (this.o.run?.threads ?? 0) && (run.quant ?? 'f32') === (this.o.run?.quant ?? 'f32');
    const keys = refs.map((ref) => (own ? ref.key : `${ref.key}@${run.threads ?? 0}/${run.quant ?? 'f32'}`));
    const opened = refs.map((ref, i) => {
      const key = keys[i]!;
      let m = this.models.get(key);
      if (m) this.models.delete(key);
      else m = LlamaModel.open(ref.folder, run);
      this.models.set(key, m);
      // A failed open is forgotten, so the next message tries again.
      m.catch(() => this.models.get(key) === m && this.models.delete(key));
      return m;
    });
    const models = await Promise.all(opened);
    await this.evict(new Set(keys));
    return models;
  }

  /**
   * The adapters of `refs` (undefined for a full model), read once and reused; `models` are use()'s models
   * for the same refs, whose shapes the adapters must fit. Beyond the limit, the least recently used ones
   * these refs do not need are dropped.
   */
  async adapters(refs: readonly PooledModelRef[], models: readonly LlamaModel[]): Promise<(LoadedAdapter | undefined)[]> {
    const keys = new Set<string>();
    const loading = refs.map((ref, i) => {
      if (!ref.adapter) return undefined;
      // Keyed with the base, since the adapter is read (and checked) against its shape.
      const key = `${ref.adapter.key}@${ref.key}`;
      keys.add(key);
      let a = this.loaded.get(key);
      if (a) this.loaded.delete(key);
      else a = loadAdapter(ref.adapter.folder, models[i]!.config);
      this.loaded.set(key, a);
      a.catch(() => this.loaded.get(key) === a && this.loaded.delete(key));
      return a;
    });
    const adapters = await Promise.all(loading);
    const limit = this.o.maxAdapters ?? DEFAULT_MAX_ADAPTERS;
    for (const key of [...this.loaded.keys()]) {
      if (this.loaded.size <= limit) break;
      if (!keys.has(key)) this.loaded.delete(key);
    }
    return adapters;
  }

  get adapterKeys(): string[] {
    return [...this.loaded.keys()];
  }

  async tokenizer(path: string): Promise<Tokenizer> {
    let t = this.tokenizers.get(path);
    if (!t) {
      t = loadTokenizer(path);
      this.tokenizers.set(path, t);
      t.catch(() => this.tokenizers.delete(path));
    }
    return t;
  }

  private async evict(keep: ReadonlySet<string>): Promise<void> {
    const limit = this.o.maxOpen ?? DEFAULT_MAX_OPEN_MODELS;
    for (const key of [...this.models.keys()]) {
      if (this.models.size <= limit) break;
      if (keep.has(key)) continue;
      const m = this.models.get(key)!;
      this.models.delete(key);
      await (await m.catch(() => null))?.close();
    }
  }

  async close(): Promise<void> {
    const all = [...this.models.values()];
    this.models.clear();
    this.loaded.clear();
    this.tokenizers.clear();
    for (const m of all) await (await m.catch(() => null))?.close();
  }
}
