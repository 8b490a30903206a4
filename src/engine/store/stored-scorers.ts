// Stored models opened as window scorers (the prior, evaluation and the ensemble's perplexity read them): a
// full model is its own LlamaModel; a light expert is its base's LlamaModel run with its adapter's feeds, and
// light experts over one base share that base's open model (its sessions hold the weights once).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { WindowScorer } from '../eval/perplexity';
import { ADAPTER_CONFIG_FILE } from '../model/adapter-folder';
import { readAddressManifest } from '../model/content-address';
import { loadAdapter, type LoadedAdapter } from '../runtime/adapter-feeds';
import { LlamaModel } from '../runtime/llama-model';
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
export async function openStoredScorers(home: string, addresses: readonly string[]): Promise<StoredScorers> {
  const models = new Map<string, LlamaModel>();
  const open = async (sha256: string): Promise<LlamaModel> => {
    let m = models.get(sha256);
    if (!m) {
      m = await LlamaModel.open(storedModelFolder(home, sha256));
      models.set(sha256, m);
    }
    return m;
  };
  const close = async () => {
    for (const m of models.values()) await m.close();
  };
  try {
    const scorers: WindowScorer[] = [];
    for (const sha256 of addresses) {
      const folder = storedModelFolder(home, sha256);
      const base = await lightBaseOf(folder);
      if (base === null) {
        scorers.push(await open(sha256));
        continue;
      }
      const model = await open(base);
      scorers.push(adapterScorer(model, await loadAdapter(folder, model.config)));
    }
    return { scorers, close };
  } catch (err) {
    await close();
    throw err;
  }
}
