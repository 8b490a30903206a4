// PEFT adapters in and out of a forest through GroveService and real job workers. An adapter folder as PEFT writes
// it becomes a light expert over the seed (kind, base, LoRA settings, lineage from the seed at weight 1, its
// domain) that scores as the seed with that adapter; exported as peft by the API's job and imported back, it is
// the same expert (the same log-likelihoods), naming its base by the Hub repository once the catalog knows it;
// exported as hf, it is the seed with the adapter folded in. Imported experts evaluate and collapse as trained
// ones do. Adapters that do not fit, and names, bases and domains that are wrong, are refused with the reason,
// leaving the store and the catalog as they were; a full model has no PEFT export.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroveService } from '../../../src/app/api/service';
import { Catalog } from '../../../src/app/catalog/catalog';
import { recordHubSource } from '../../../src/app/catalog/hub-sources';
import { parentsOf } from '../../../src/app/catalog/lineage';
import { modelById, modelHoldingName } from '../../../src/app/catalog/models';
import { catalogPath } from '../../../src/app/home';
import { ADAPTER_CONFIG_FILE } from '../../../src/engine/model/adapter-folder';
import { parseModelConfig } from '../../../src/engine/model/config';
import { LORA_TARGETS, type LoraConfig } from '../../../src/engine/model/lora';
import { loadAdapter } from '../../../src/engine/runtime/adapter-feeds';
import { LlamaModel } from '../../../src/engine/runtime/llama-model';
import { modelsDir, storedModelFolder } from '../../../src/app/store/model-store';
import { openStoredScorers } from '../../../src/app/store/stored-scorers';
import { TINY_CHAT_CONFIG } from '../../helpers/chat-forest';
import { ingestDomains, jobService, jobSettled, LAW_AND_MED, plantTinyForest } from '../../helpers/forest-service';
import { maxAbsDiff } from '../../helpers/lora';
import { peftTensors, writePeftFolder } from '../../helpers/peft';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
const config = parseModelConfig(TINY_CHAT_CONFIG);
const lora: LoraConfig = { rank: 4, alpha: 8, targets: [...LORA_TARGETS] };
const peftSettings = { r: 4, lora_alpha: 8, target_modules: ['up_proj', 'q_proj', 'o_proj', 'k_proj', 'down_proj', 'v_proj', 'gate_proj'] };
const ids = Array.from({ length: 25 }, (_, i) => (i * 37 + 3) % 320);
let home: string;
let service: GroveService;
let lawFolder: string;

function catalogRead<T>(read: (catalog: Catalog) => T): T {
  const catalog = Catalog.open(catalogPath(home));
  try {
    return read(catalog);
  } finally {
    catalog.close();
  }
}

const row = (name: string) => catalogRead((c) => modelById(c, modelHoldingName(c, c.forest()!.id, name)!.id));

/** Log-likelihoods of `ids` by stored models (a light expert as its base + adapter), one array per address. */
async function storedScores(addresses: string[]): Promise<Float32Array[]> {
  const opened = await openStoredScorers(home, addresses);
  try {
    return await Promise.all(opened.scorers.map((s) => s.score(ids.slice(0, -1), ids.slice(1), 1)));
  } finally {
    await opened.close();
  }
}

/** Runs an export job to its end, in f32 (exact: an HF export is compared with the adapter's own scores); returns its view. */
async function exported(model: string, format: 'peft' | 'hf', out: string) {
  return jobSettled(service, (await service.exportModel({ model, format, out, dtype: 'f32' })).id);
}

beforeAll(async () => {
  home = await plantTinyForest(dir);
  service = jobService(home);
  await ingestDomains(service, dir, { law: LAW_AND_MED.law });
  lawFolder = await writePeftFolder(join(dir, 'peft-law'), peftTensors(config, lora, 7), peftSettings);
});
afterAll(() => service?.close());

describe('importAdapter and the export of light experts', { timeout: 240_000 }, () => {
  it('takes a PEFT adapter folder in as a light expert over the seed, which scores as the seed with that adapter', async () => {
    const r = await service.importAdapter({ folder: lawFolder, name: 'law-peft', domain: 'law' });
    expect(r).toMatchObject({
      name: 'law-peft',
      base: 'seed',
      domain: 'law',
      rank: 4,
      alpha: 8,
      targets: [...LORA_TARGETS],
      trainedOn: 'HuggingFaceTB/SmolLM2-135M',
    });
    const seed = row('seed');
    const law = row('law-peft');
    expect(law).toMatchObject({ id: r.modelId, role: 'expert', status: 'ready', light: { baseSha256: seed.weightsSha256, lora } });
    expect(catalogRead((c) => parentsOf(c, law.id))).toEqual([{ modelId: seed.id, weight: 1, name: 'seed', role: 'seed' }]);
    const card = (await service.forestSummary({})).models.find((m) => m.name === 'law-peft')!;
    expect(card).toMatchObject({ kind: 'light', domain: 'law', light: { rank: 4, base: 'seed' }, weightsBytes: r.bytes });

    // The stored expert computes what the seed computes with the folder's adapter (read from BF16, kept in F32).
    const [stored] = await storedScores([law.weightsSha256!]);
    const model = await LlamaModel.open(storedModelFolder(home, seed.weightsSha256!));
    try {
      const direct = await model.score(ids.slice(0, -1), ids.slice(1), 1, await loadAdapter(lawFolder, config));
      expect(maxAbsDiff(stored!, direct)).toBe(0);
      expect(maxAbsDiff(stored!, await model.score(ids.slice(0, -1), ids.slice(1), 1))).toBeGreaterThan(1e-3);
    } finally {
      await model.close();
    }
  });

  it('round-trips: the PEFT export imports back as the same expert; hf is the seed with the adapter folded in', async () => {
    const seedSha = row('seed').weightsSha256!;
    const peftOut = join(dir, 'law-peft-export');
    const job = await exported('law-peft', 'peft', peftOut);
    expect(job, job.error ?? '').toMatchObject({ status: 'done', label: 'Export “law-peft” as peft' });
    // The catalog knows no Hub repository of the seed: the adapter names the seed's store address.
    expect(JSON.parse(readFileSync(join(peftOut, ADAPTER_CONFIG_FILE), 'utf8'))).toMatchObject({
      peft_type: 'LORA',
      r: 4,
      lora_alpha: 8,
      base_model_name_or_path: seedSha,
    });

    const back = await service.importAdapter({ folder: peftOut, name: 'law-again' });
    expect(back).toMatchObject({ base: 'seed', domain: null, trainedOn: seedSha });
    const [original, again] = await storedScores([row('law-peft').weightsSha256!, row('law-again').weightsSha256!]);
    expect(maxAbsDiff(original!, again!)).toBe(0);

    catalogRead((c) => recordHubSource(c, seedSha, 'grove-tests/tiny-seed'));
    const named = join(dir, 'law-peft-named');
    expect((await exported('law-again', 'peft', named)).status).toBe('done');
    expect(JSON.parse(readFileSync(join(named, ADAPTER_CONFIG_FILE), 'utf8')).base_model_name_or_path).toBe('grove-tests/tiny-seed');

    const hfOut = join(dir, 'law-hf-export');
    const hf = await exported('law-peft', 'hf', hfOut);
    expect(hf.status, hf.error ?? '').toBe('done');
    expect(hf.done).toBe(hf.total);
    const model = await LlamaModel.open(hfOut);
    try {
      const full = await model.score(ids.slice(0, -1), ids.slice(1), 1);
      const diff = maxAbsDiff(full, original!);
      console.log(`hf export of an imported light expert: max |log-likelihood difference| ${diff.toExponential(2)}`);
      expect(diff).toBeLessThanOrEqual(1e-4);
    } finally {
      await model.close();
    }
  });

  it('evaluates and collapses imported light experts as trained ones', async () => {
    const evaluation = await jobSettled(service, (await service.evaluate({ models: ['law-peft'], domains: ['law'] })).id);
    expect(evaluation.status, evaluation.error ?? '').toBe('done');
    expect(
      (await service.evaluations({})).some((e) => e.spec.kind === 'model' && e.spec.model === 'law-peft' && Number.isFinite(e.perplexity)),
    ).toBe(true);
    const collapse = await jobSettled(
      service,
      (await service.collapse({ name: 'law-both', models: ['law-peft', 'law-again'], weighting: { kind: 'uniform' } })).id,
    );
    expect(collapse.status, collapse.error ?? '').toBe('done');
    // The two are the same expert: their average is it, folded into the seed.
    const [collapsed, law] = await storedScores([row('law-both').weightsSha256!, row('law-peft').weightsSha256!]);
    expect(maxAbsDiff(collapsed!, law!)).toBeLessThanOrEqual(1e-4);
  });

  it('refuses what does not fit, saying why, and stores nothing', async () => {
    const stored = readdirSync(modelsDir(home)).sort();
    const models = (await service.forestSummary({})).models.length;
    const folder = (name: string, tensors = peftTensors(config, lora, 7), change: Record<string, unknown> = peftSettings) =>
      writePeftFolder(join(dir, `bad-${name}`), tensors, change);
    const refused = (input: Parameters<GroveService['importAdapter']>[0]) =>
      service.importAdapter(input).then(
        () => 'imported',
        (e: unknown) => (e as Error).message,
      );

    const wider = parseModelConfig({ ...TINY_CHAT_CONFIG, hiddenSize: 64, numAttentionHeads: 8, numKeyValueHeads: 4 });
    expect(await refused({ folder: await folder('wider', peftTensors(wider, lora)), name: 'x' })).toMatch(
      /q_proj input width \(hidden_size\) is 64, the base's is 32\. The adapter was trained on another base than "seed"/,
    );
    const deeper = parseModelConfig({ ...TINY_CHAT_CONFIG, numHiddenLayers: 3 });
    expect(await refused({ folder: await folder('deeper', peftTensors(deeper, lora)), name: 'x' })).toMatch(
      /adapts 3 layers \(numbered 0 to 2\), but the base has 2 \(num_hidden_layers\)/,
    );
    expect(await refused({ folder: await folder('dora', undefined, { ...peftSettings, use_dora: true }), name: 'x' })).toMatch(
      /it is a DoRA adapter \(use_dora\); Grove computes plain LoRA/,
    );
    const head = [
      ...peftTensors(config, lora, 7),
      { name: 'base_model.model.lm_head.lora_A.weight', shape: [4, 32], data: new Float32Array(128) },
    ];
    expect(await refused({ folder: await folder('head', head), name: 'x' })).toMatch(
      /lm_head\.lora_A\.weight that are not LoRA factors of a Llama projection/,
    );
    expect(await refused({ folder: lawFolder, name: 'law-peft' })).toMatch(/already has a model named "law-peft"/);
    expect(await refused({ folder: lawFolder, name: 'x', base: 'law-peft' })).toMatch(
      /"law-peft" is a light expert, itself an adapter over a base; an adapter is added to a full model\. Name the full model it was trained on \(usually the seed, "seed"\)/,
    );
    expect(await refused({ folder: lawFolder, name: 'x', base: 'nobody' })).toMatch(/No model "nobody" in this forest/);
    expect(await refused({ folder: lawFolder, name: 'x', domain: 'med' })).toMatch(/No domain "med" in this forest: add its folder first/);
    expect(await refused({ folder: join(dir, 'nowhere'), name: 'x' })).toMatch(
      /is not a folder on this machine\. Choose a PEFT adapter folder/,
    );
    expect(await refused({ folder: lawFolder, name: '../x' })).toMatch(/name/);

    expect(readdirSync(modelsDir(home)).sort()).toEqual(stored);
    expect((await service.forestSummary({})).models.length).toBe(models);
  });

  it('refuses a PEFT export of a full model at once, with the reason', async () => {
    await expect(service.exportModel({ model: 'seed', format: 'peft', out: join(dir, 'seed-peft') })).rejects.toMatchObject({
      code: 'unsupported',
      message: expect.stringMatching(/"seed" is a full model: the peft format writes a light expert's adapter/),
    });
    await expect(service.exportModel({ model: 'law-both', format: 'peft', out: join(dir, 'both-peft') })).rejects.toMatchObject({
      code: 'unsupported',
    });
  });
});
