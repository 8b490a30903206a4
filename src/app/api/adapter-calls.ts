// The service's import of a PEFT adapter (schemas-hub.ts importAdapter): a LoRA adapter folder trained with
// PEFT elsewhere, or exported by Grove, becomes a light expert of the forest over one of its full models (the
// seed by default). The folder is checked against that base before anything of it is kept (store/adapter-store.ts
// reads it through model/peft-import.ts), stored as the light experts trained here are, then recorded with its
// lineage (from its base, weight 1) in one transaction, so it chats, evaluates, branches and collapses as they
// do. A refusal leaves the catalog as it was; an adapter stored before a refusal by the catalog is gc's to drop.
import { GroveError } from '../../shared/api/errors';
import { apiSchemas, type ApiInput, type ApiOutput } from '../../shared/api/schemas';
import type { Catalog } from '../catalog/catalog';
import { findModel, insertModel, liveModelNamed, liveSeed, modelById } from '../catalog/models';
import { recordLineage } from '../forest/lineage';
import { storeAdapterFolder } from '../store/adapter-store';
import { claimModelName } from './expert-plan';
import type { PathRoots } from './path-roots';

export class AdapterCalls {
  constructor(
    private readonly catalog: Catalog,
    private readonly forestHome: string,
    private readonly paths: PathRoots,
  ) {}

  async importAdapter(raw: ApiInput<'importAdapter'>): Promise<ApiOutput<'importAdapter'>> {
    // Parsed here too: in-process callers (the CLI) do not pass through the transports' validation.
    const input = apiSchemas.importAdapter.input.parse(raw);
    const folder = this.paths.folder(
      input.folder,
      'adapter folder',
      'Choose a PEFT adapter folder (adapter_config.json, adapter_model.safetensors).',
    );
    const forest = this.catalog.forest();
    if (!forest)
      throw new GroveError(
        'not_found',
        'This forest home has no forest yet: plant a seed first (`grove init --from <model folder>`), then import adapters trained on it.',
      );
    // Checked before the adapter is read, and again when the row is written.
    if (liveModelNamed(this.catalog, input.name, forest.id))
      throw new GroveError('conflict', `The forest already has a model named "${input.name}"; choose another name.`, { name: input.name });
    const base = this.base(forest.id, input.base);
    const domain = input.domain === undefined ? null : this.catalog.domains(forest.id).find((d) => d.name === input.domain);
    if (domain === undefined)
      throw new GroveError(
        'not_found',
        `No domain "${input.domain}" in this forest: add its folder first (grove ingest <folder> --domain ${input.domain}), or leave the domain out.`,
        { domain: input.domain },
      );

    const stored = await storeAdapterFolder(this.forestHome, folder, {
      baseSha256: base.weightsSha256,
      tokenizerSha256: base.tokenizerSha256,
      baseLabel: `"${base.name}"`,
    });
    const modelId = this.catalog.transaction(() => {
      claimModelName(this.catalog, forest.id, input.name);
      const id = insertModel(this.catalog, {
        forestId: forest.id,
        name: input.name,
        role: 'expert',
        domainId: domain?.id ?? null,
        weightsSha256: stored.sha256,
        weightsBytes: stored.bytes,
        architectureJson: base.architectureJson,
        tokenizerSha256: base.tokenizerSha256,
        light: { baseSha256: base.weightsSha256, lora: stored.lora },
      });
      recordLineage(this.catalog, id, [{ modelId: base.id, weight: 1 }]);
      return id;
    });
    const { rank, alpha, targets } = stored.lora;
    return {
      modelId,
      name: input.name,
      base: base.name,
      domain: domain?.name ?? null,
      rank,
      alpha,
      targets: [...targets],
      bytes: stored.bytes,
      trainedOn: stored.baseModel,
    };
  }

  /** The full, ready model an adapter is added to: the one named, else the forest's seed. */
  private base(forestId: number, name: string | undefined) {
    const seed = liveSeed(this.catalog, forestId);
    const chosen = name ?? seed?.name;
    if (chosen === undefined)
      throw new GroveError('not_found', 'The forest has no seed to add the adapter to: plant one first, or name the base model.');
    const found = findModel(this.catalog, chosen);
    if (!found)
      throw new GroveError('not_found', `No model "${chosen}" in this forest to add the adapter to; \`grove list\` shows the models.`, {
        model: chosen,
      });
    const row = modelById(this.catalog, found.id);
    if (row.light) {
      throw new GroveError(
        'bad_input',
        `"${row.name}" is a light expert, itself an adapter over a base; an adapter is added to a full model. Name the full model it was trained on${seed ? ` (usually the seed, "${seed.name}")` : ''}.`,
        { model: row.name },
      );
    }
    if (row.status !== 'ready')
      throw new GroveError('conflict', `"${row.name}" is still training; import the adapter over it once it is ready.`, {
        model: row.name,
      });
    return { ...row, weightsSha256: found.weightsSha256 };
  }
}
