// Stored models opened as window scorers (the prior, evaluation and the ensemble's perplexity read them): a
// full model is its own LlamaModel; a light expert is its base's LlamaModel run with its adapter's feeds, and
// light experts over one base share that base's open model (its sessions hold the weights once).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { WindowScorer } from '../../engine/eval/perplexity';
import { ADAPTER_CONFIG_FILE } from '../../engine/model/adapter-folder';
import { readAddressManifest } from '../../engine/model/content-address';
import { loadAdapter, type LoadedAdapter } from '../../engine/runtime/adapter-feeds';
import { LlamaModel, type ModelRunOptions } from '../../engine/runtime/llama-model';
import { storedModelFolder } from './model-store';

export interface StoredScorers {
  scorers: WindowScorer[];
  close(): Promise<void>;
}

/** The base's store address of a light expert's folder (its address manifest names it); null for a full model. */
export async function lightBaseOf(folder: string): Promise<string | null> {
  if (!existsSync(join(folder, ADAPTER_CONFIG_FILE))) return null;
  const manifest = await readAddressManifest(folder);
  return manifest?.base ?? null;
}

/** A light expert as a scorer: its base's model run with its adapter fed. */
export function adapterScorer(base: LlamaModel, adapter: LoadedAdapter): WindowScorer {
  return { score: (inputs, targets, batch) => base.score(inputs, targets, batch, adapter) };
}

/** Opens every store address as a scorer, in order; close() closes what was opened. */
export async function openStoredScorers(home: string, addresses: readonly string[], options: ModelRunOptions = {}): Promise<StoredScorers> {
  return openScorersAt(
    home,
    addresses.map((sha256) => storedModelFolder(home, sha256)),
    options,
  );
}

/**
 * Opens every model folder as a scorer, in order: a full model's folder (in the store or outside it), or a light
 * expert's adapter folder in the store, run over its base (opened from the store, once for all its experts).
 */
export async function openScorersAt(home: string, folders: readonly string[], options: ModelRunOptions = {}): Promise<StoredScorers> {
  const models = new Map<string, LlamaModel>();
  const open = async (folder: string): Promise<LlamaModel> => {
    let m = models.get(folder);
    if (!m) {
      m = await LlamaModel.open(folder, options);
      models.set(folder, m);
    }
    return m;
  };
  const close = async () => {
    for (const m of models.values()) await m.close();
  };
  try {
    const scorers: WindowScorer[] = [];
    for (const folder of folders) {
      const base = await lightBaseOf(folder);
      if (base === null) {
        scorers.push(await open(folder));
        continue;
      }
      const model = await open(storedModelFolder(home, base));
      scorers.push(adapterScorer(model, await loadAdapter(folder, model.config)));
    }
    return { scorers, close };
  } catch (err) {
    await close();
    throw err;
  }
}
