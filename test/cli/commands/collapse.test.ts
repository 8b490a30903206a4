// Collapse through the CLI on a real forest: two models of one lineage averaged with manual, uniform and
// posterior weights; the result is exact (checked tensor by tensor), listed, evaluable, and has lineage.
// Two light experts over the seed kept light (--light): one light model of their summed rank over it.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/app/catalog/catalog';
import { findModel } from '../../../src/app/catalog/models';
import { parentsOf } from '../../../src/app/catalog/lineage';
import { catalogPath } from '../../../src/app/home';
import { SafetensorsFile } from '../../../src/engine/model/safetensors';
import { storedModelFolder } from '../../../src/app/store/model-store';
import { assertBuilt, groveBin } from '../../helpers/grove-process';
import { writeTestModel } from '../../helpers/model';
import { peftTensors, writePeftFolder } from '../../helpers/peft';
import { parseModelConfig, type ModelConfigInput } from '../../../src/engine/model/config';
import { tempDir } from '../../helpers/tmp';
import { writeTestTokenizer } from '../../helpers/tokenizer';

const dir = tempDir();
const home = join(dir, 'home');
const grove = (...args: string[]) =>
  execFileSync(process.execPath, [groveBin, '--home', home, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const failing = (...args: string[]) => spawnSync(process.execPath, [groveBin, '--home', home, ...args], { encoding: 'utf8' });

const shape: ModelConfigInput = {
  architecture: 'LlamaForCausalLM',
  vocabSize: 320,
  hiddenSize: 16,
  intermediateSize: 32,
  numHiddenLayers: 1,
  numAttentionHeads: 2,
  tieWordEmbeddings: true,
  initializerRange: 0.2,
};

async function model(name: string, seed: number, tokenizer: string): Promise<string> {
  const folder = join(dir, name);
  await writeTestModel(folder, shape, { seed, tokenizer });
  return folder;
}

async function tensor(name: string, t: string): Promise<Float32Array> {
  const catalog = Catalog.open(catalogPath(home));
  const sha = findModel(catalog, name)!.weightsSha256;
  catalog.close();
  const f = await SafetensorsFile.open(join(storedModelFolder(home, sha), 'model.safetensors'));
  const data = await f.readFloat32(t);
  await f.close();
  return data;
}

beforeAll(async () => {
  assertBuilt();
  const tokenizer = await writeTestTokenizer(dir, 320);
  grove('init', '--from', await model('alpha', 1, tokenizer));
  grove('import', '--from', await model('beta', 2, tokenizer), '--name', 'beta');
  const docs = join(dir, 'notes');
  mkdirSync(docs);
  for (let i = 0; i < 25; i++)
    writeFileSync(join(docs, `n${i}.txt`), `Note ${i}: the experts average their weights ${i} times over.\n`.repeat(60));
  grove('ingest', docs, '--domain', 'notes');
});

describe('grove collapse', () => {
  it('averages with manual weights exactly, records lineage, and the result evaluates', async () => {
    expect(grove('collapse', '--models', 'alpha', 'beta', '--weights', '3', '1', '--name', 'mix')).toMatch(
      /0\.7500 {2}alpha[\s\S]*0\.2500 {2}beta/,
    );
    const up = 'model.layers.0.mlp.up_proj.weight';
    const [a, b, m] = [await tensor('alpha', up), await tensor('beta', up), await tensor('mix', up)];
    for (let i = 0; i < m.length; i += 37) expect(m[i]).toBeCloseTo(0.75 * a[i]! + 0.25 * b[i]!, 6);
    const catalog = Catalog.open(catalogPath(home));
    expect(parentsOf(catalog, findModel(catalog, 'mix')!.id).map((p) => p.weight)).toEqual([0.75, 0.25]);
    catalog.close();
    expect(grove('list')).toMatch(/\tcollapsed\tmix/);
    // grove eval says how a collapsed model was made, beside its scores.
    expect(grove('eval', '--model', 'mix', '--domain', 'notes', '--context', '32', '--threads', '1')).toMatch(
      /^mix\tnotes\ttest\t.*\tcollapsed: linear, manual weights$/m,
    );
  });

  it('uses posterior weights on a domain and uniform weights, and refuses ambiguous or unknown input', () => {
    const out = grove('collapse', '--models', 'alpha', 'beta', '--posterior-on', 'notes', '--name', 'for-notes');
    const weights = [...out.matchAll(/^ {2}(\d\.\d{4}) {2}/gm)].map((m) => Number(m[1]));
    expect(weights).toHaveLength(2);
    expect(weights[0]! + weights[1]!).toBeCloseTo(1, 3);
    expect(grove('collapse', '--models', 'alpha', 'beta', '--uniform', '--name', 'even')).toMatch(/0\.5000 {2}alpha/);
    // No weighting named: posterior weights on the mix, as the help says (here the mix is the one domain).
    const byDefault = [...grove('collapse', '--models', 'alpha', 'beta', '--name', 'default').matchAll(/^ {2}(\d\.\d{4}) {2}/gm)].map((m) =>
      Number(m[1]),
    );
    expect(byDefault).toEqual(weights);
    expect(grove('prior')).toMatch(/^mix {2}/m);
    const both = spawnSync(
      process.execPath,
      [groveBin, '--home', home, 'collapse', '--models', 'alpha', 'beta', '--uniform', '--weights', '1', '2', '--name', 'x'],
      { encoding: 'utf8' },
    );
    expect(both.stderr).toMatch(/Choose one weighting/);
    const unknown = spawnSync(
      process.execPath,
      [groveBin, '--home', home, 'collapse', '--models', 'alpha', 'gamma', '--uniform', '--name', 'y'],
      { encoding: 'utf8' },
    );
    expect(unknown.stderr).toMatch(/No model "gamma"/);
  });

  it('merges by another method: TIES over the seed, SLERP of two, each exactly its rule; refuses what a method cannot take', async () => {
    const up = 'model.layers.0.mlp.up_proj.weight';
    const out = grove('collapse', '--models', 'alpha', 'beta', '--uniform', '--method', 'ties', '--density', '0.5', '--name', 'by-ties');
    expect(out).toMatch(/0\.5000 {2}alpha[\s\S]*0\.5000 {2}beta/);
    const [a, b, t] = [await tensor('alpha', up), await tensor('beta', up), await tensor('by-ties', up)];
    // The seed is alpha (grove init --from alpha): alpha's task vector is 0, so TIES keeps the largest half of
    // beta's and, each entry's sign elected by beta alone, averages it over the models that agree (beta).
    const delta = b.map((x, i) => x - a[i]!);
    const kept = [...delta].map(Math.abs).sort((x, y) => y - x)[Math.floor(delta.length / 2) - 1]!;
    for (let i = 0; i < t.length; i += 13) expect(t[i]).toBeCloseTo(Math.abs(delta[i]!) >= kept ? b[i]! : a[i]!, 5);
    expect(grove('eval', '--model', 'by-ties', '--domain', 'notes', '--context', '32', '--threads', '1')).toMatch(
      /^by-ties\tnotes\ttest\t.*\tcollapsed: ties \(density 0\.5\), uniform weights$/m,
    );
    grove('collapse', '--models', 'alpha', 'beta', '--uniform', '--method', 'slerp', '--t', '0.25', '--name', 'by-slerp');
    const s = await tensor('by-slerp', up);
    const dot =
      a.reduce((acc, x, i) => acc + x * b[i]!, 0) / Math.sqrt(a.reduce((acc, x) => acc + x * x, 0) * b.reduce((acc, x) => acc + x * x, 0));
    const theta = Math.acos(dot);
    for (let i = 0; i < s.length; i += 13)
      expect(s[i]).toBeCloseTo((Math.sin(0.75 * theta) * a[i]! + Math.sin(0.25 * theta) * b[i]!) / Math.sin(theta), 5);
    expect(grove('collapse', '--help')).toMatch(
      /ties: Trims each expert’s task vector[\s\S]*--density: the share of each task vector’s entries that is kept/,
    );
    const bad = spawnSync(
      process.execPath,
      [groveBin, '--home', home, 'collapse', '--models', 'alpha', 'beta', '--uniform', '--method', 'frankenmerge', '--name', 'z'],
      { encoding: 'utf8' },
    );
    expect(bad.stderr).toMatch(/--method must be one of linear, task_arithmetic, ties, dare_linear, dare_ties, slerp/);
  });

  it('keeps light experts over the seed light with --light, and refuses --light over a full model', async () => {
    const config = parseModelConfig(shape);
    grove(
      'import-adapter',
      '--from',
      await writePeftFolder(join(dir, 'verse'), peftTensors(config, { rank: 3, alpha: 6, targets: ['q_proj', 'v_proj'] }, 5), {
        r: 3,
        lora_alpha: 6,
        target_modules: ['q_proj', 'v_proj'],
      }),
      '--name',
      'verse',
    );
    grove(
      'import-adapter',
      '--from',
      await writePeftFolder(join(dir, 'prose'), peftTensors(config, { rank: 2, alpha: 4, targets: ['v_proj', 'down_proj'] }, 6), {
        r: 2,
        lora_alpha: 4,
        target_modules: ['v_proj', 'down_proj'],
      }),
      '--name',
      'prose',
    );
    expect(grove('collapse', '--models', 'verse', 'prose', '--uniform', '--light', '--name', 'kept')).toMatch(
      /0\.5000 {2}verse[\s\S]*0\.5000 {2}prose/,
    );
    expect(grove('show', 'kept')).toMatch(/kind light: LoRA rank 5, alpha 5, on q_proj, v_proj, down_proj; base alpha/);
    const full = failing('collapse', '--models', 'alpha', 'verse', '--uniform', '--light', '--name', 'nope');
    expect(full.status).not.toBe(0);
    expect(full.stderr).toMatch(/stays light only when every model chosen is a light expert over one base: alpha is a full model/);
  });

  it('--try-methods prints every method’s held-out perplexity, and with --name collapses with the best', () => {
    const rows = (out: string) =>
      [...out.matchAll(/^(\w+) +(\d+\.\d{2}) {2}(best|\+\d+\.\d %)$/gm)].map((m) => ({
        method: m[1]!,
        perplexity: Number(m[2]),
        gap: m[3]!,
      }));
    const table = grove('collapse', '--models', 'alpha', 'beta', '--posterior-on', 'notes', '--try-methods');
    expect(table).toMatch(/^Scored on \d+ held-out tokens of domain:notes \(valid split, windows of \d+\)\.$/m);
    const tried = rows(table);
    expect(tried.map((r) => r.method)).toEqual(['linear', 'task_arithmetic', 'ties', 'dare_linear', 'dare_ties', 'slerp']);
    const best = tried.reduce((a, b) => (b.perplexity < a.perplexity ? b : a));
    expect(tried.filter((r) => r.gap === 'best').map((r) => r.method)).toEqual([best.method]);
    expect(grove('list')).not.toMatch(/picked/);

    const picked = grove('collapse', '--models', 'alpha', 'beta', '--posterior-on', 'notes', '--try-methods', '--name', 'picked');
    expect(rows(picked).find((r) => r.gap === 'best')!.method).toBe(best.method);
    expect(grove('list')).toMatch(/\tcollapsed\tpicked/);
    const both = spawnSync(
      process.execPath,
      [groveBin, '--home', home, 'collapse', '--models', 'alpha', 'beta', '--uniform', '--try-methods', '--method', 'ties'],
      { encoding: 'utf8' },
    );
    expect(both.stderr).toMatch(/--try-methods picks the method/);
  });
});
