// Collapse (btm.md "Use the forest": parameter average): theta = sum_j w_j theta_j over chosen models,
// with uniform, manual, or posterior weights (the cached prior of the models on a domain, the paper's
// best). The result is a new model in the store and the catalog, with its lineage edges.
import { GroveError } from '../../shared/api/errors';
import { Catalog } from '../catalog/catalog';
import { findModel, insertModel } from '../catalog/models';
import { estimateCachedPrior } from '../ensemble/ensemble';
import { recordLineage } from '../forest/lineage';
import { manualWeights, uniformWeights, type ParentWeight } from '../forest/weights';
import { catalogPath } from '../home';
import { LlamaModel } from '../runtime/llama-model';
import { domainDir } from './domains';
import { storeAverage, storedModelFolder } from './model-store';

export type CollapseWeighting = { kind: 'uniform' } | { kind: 'manual'; weights: readonly number[] } | { kind: 'posterior'; domain: string; sequences?: number; contextLength?: number };

export interface CollapseResult {
  modelId: number;
  name: string;
  weightsSha256: string;
  parents: ParentWeight[];
}

async function posteriorOnDomain(home: string, folders: string[], w: Extract<CollapseWeighting, { kind: 'posterior' }>): Promise<number[]> {
  const experts = await Promise.all(folders.map((f) => LlamaModel.open(f)));
  try {
    const T = w.contextLength ?? 128;
    return (await estimateCachedPrior(experts, domainDir(home, w.domain), { contextLength: T, batchSize: 4, sequences: w.sequences ?? 100 })).prior;
  } finally {
    for (const e of experts) await e.close();
  }
}

export async function collapseModels(home: string, modelNames: readonly string[], weighting: CollapseWeighting, name: string): Promise<CollapseResult> {
  const catalog = Catalog.open(catalogPath(home));
  try {
    const forest = catalog.forest();
    if (!forest) throw new GroveError('not_found', `No forest in ${home}: \`grove init\` first.`);
    if (modelNames.length < 2) throw new GroveError('bad_input', 'Collapse averages at least two models: name them with --models A B ...');
    if (catalog.models(forest.id).some((m) => m.name === name)) throw new GroveError('conflict', `A model named "${name}" exists already; choose another --name.`);
    const stored = modelNames.map((n) => findModel(catalog, n) ?? (() => { throw new GroveError('not_found', `No model "${n}" in this forest; see \`grove list\`.`); })());
    const refs = stored.map((m) => ({ id: m.id, name: m.name }));
    const folders = stored.map((m) => storedModelFolder(home, m.weightsSha256));
    let parents: ParentWeight[];
    if (weighting.kind === 'uniform') parents = uniformWeights(refs);
    else if (weighting.kind === 'manual') {
      if (weighting.weights.length !== refs.length) throw new GroveError('bad_input', `Give one weight per model: ${refs.length} models, ${weighting.weights.length} weights.`);
      parents = manualWeights(refs, Object.fromEntries(refs.map((r, i) => [r.name, weighting.weights[i] as number])));
    } else {
      const prior = await posteriorOnDomain(home, folders, weighting);
      parents = manualWeights(refs, Object.fromEntries(refs.map((r, i) => [r.name, prior[i] as number])));
    }
    const used = parents.filter((p) => p.weight > 0);
    const tokenizerOf = (id: number) => (catalog.db.prepare('SELECT tokenizer_sha256 AS t FROM models WHERE id = ?').get(id) as { t: string | null }).t;
    const averaged = await storeAverage(
      home,
      used.map((p) => ({ folder: folders[refs.findIndex((r) => r.id === p.modelId)] as string, weight: p.weight, label: p.name, tokenizerSha256: tokenizerOf(p.modelId) })),
    );
    const sha = averaged.sha256;
    const bytes = averaged.bytes;
    const modelId = catalog.db.transaction(() => {
      const architecture = catalog.db.prepare('SELECT architecture_json AS a, tokenizer_sha256 AS t FROM models WHERE id = ?').get(used[0]!.modelId) as { a: string; t: string | null };
      const id = insertModel(catalog, { forestId: forest.id, name, role: 'collapsed', weightsSha256: sha, weightsBytes: bytes, architectureJson: architecture.a, tokenizerSha256: architecture.t });
      recordLineage(catalog, id, used.map((p) => ({ modelId: p.modelId, weight: p.weight })));
      return id;
    })();
    return { modelId, name, weightsSha256: sha, parents: used };
  } finally {
    catalog.close();
  }
}
