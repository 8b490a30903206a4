// The forest view's read model: model cards (size, tokens trained, own-domain perplexity, status) and lineage.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/app/catalog/catalog';
import { databaseOf } from '../../../src/app/catalog/database';
import { ensureForest } from '../../../src/app/catalog/domains';
import { insertModel } from '../../../src/app/catalog/models';
import { forestSummary } from '../../../src/app/catalog/summary';
import { parseModelConfig } from '../../../src/engine/model/config';
import { parameterCount } from '../../../src/engine/model/names';
import { inferenceWeightBytes } from '../../../src/engine/quant/sizes';
import { ForestSummary } from '../../../src/shared/api/schemas';
import { tempDir } from '../../helpers/tmp';

const config = parseModelConfig({
  architecture: 'LlamaForCausalLM',
  vocabSize: 320,
  hiddenSize: 16,
  intermediateSize: 32,
  numHiddenLayers: 1,
  numAttentionHeads: 2,
  tieWordEmbeddings: true,
});

function forestWithExperts(): Catalog {
  const catalog = Catalog.open(join(tempDir(), 'catalog.sqlite'));
  const forestId = ensureForest(catalog, 'woods');
  const db = databaseOf(catalog);
  const domain = (name: string) =>
    Number(db.prepare('INSERT INTO domains (forest_id, name) VALUES (?, ?)').run(forestId, name).lastInsertRowid);
  const news = domain('news');
  const fiction = domain('fiction');
  const model = (name: string, role: 'seed' | 'expert' | 'collapsed', domainId: number | null) =>
    insertModel(catalog, {
      forestId,
      name,
      role,
      domainId,
      weightsSha256: name.padEnd(64, '0'),
      weightsBytes: 1000,
      architectureJson: JSON.stringify(config),
      tokenizerSha256: null,
    });
  const seed = model('seed', 'seed', null);
  const a = model('news', 'expert', news);
  const b = model('fiction', 'expert', fiction);
  db.prepare("UPDATE models SET status = 'training' WHERE id = ?").run(b);
  db.prepare('INSERT INTO lineage (child_id, parent_id, weight) VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?)').run(
    a,
    seed,
    1,
    b,
    seed,
    0.25,
    b,
    a,
    0.75,
  );
  const run = db.prepare("INSERT INTO runs (model_id, domain_id, config_json, status, tokens) VALUES (?, ?, '{}', ?, ?)");
  run.run(a, news, 'done', 4096);
  run.run(a, news, 'done', 1024);
  run.run(b, fiction, 'running', 512);
  const evaluation = db.prepare(
    'INSERT INTO evaluations (forest_id, spec_json, domain_id, split, loss, perplexity, tokens, created_at) VALUES (?, ?, ?, ?, 1, ?, 100, ?)',
  );
  evaluation.run(forestId, JSON.stringify({ kind: 'model', model: 'news' }), news, 'test', 40, '2025-01-01T00:00:00.000Z');
  evaluation.run(forestId, JSON.stringify({ kind: 'model', model: 'news' }), news, 'test', 30, '2025-01-02T00:00:00.000Z');
  // Not its own domain, not the test split, an ensemble: none of these is the card's number.
  evaluation.run(forestId, JSON.stringify({ kind: 'model', model: 'news' }), fiction, 'test', 90, '2025-01-03T00:00:00.000Z');
  evaluation.run(forestId, JSON.stringify({ kind: 'model', model: 'news' }), news, 'valid', 20, '2025-01-03T00:00:00.000Z');
  evaluation.run(
    forestId,
    JSON.stringify({ kind: 'ensemble', models: ['news', 'fiction'], prior: 'uniform', posterior: 'context' }),
    fiction,
    'test',
    25,
    '2025-01-03T00:00:00.000Z',
  );
  return catalog;
}

describe('forestSummary', () => {
  it('is empty before a forest exists', () => {
    const catalog = Catalog.open(':memory:');
    expect(forestSummary(catalog)).toEqual({ forest: null, domains: [], models: [], lineage: [] });
    catalog.close();
  });

  it('gives each model its card: role, status, domain, parameters, bytes, tokens trained, own-domain test perplexity', () => {
    const catalog = forestWithExperts();
    const summary = ForestSummary.parse(forestSummary(catalog));
    expect(summary.forest?.name).toBe('woods');
    const byName = Object.fromEntries(summary.models.map((m) => [m.name, m]));
    expect(byName.seed).toMatchObject({
      role: 'seed',
      status: 'ready',
      domain: null,
      domainId: null,
      parameters: parameterCount(config),
      weightsBytes: 1000,
      tokensTrained: 0,
      ownDomainPerplexity: null,
    });
    // A full model's weights at each inference choice (quant/sizes.ts; checked against real files in its own test).
    expect(byName.seed!.inferenceBytes).toEqual(inferenceWeightBytes(config));
    expect(byName.news).toMatchObject({ role: 'expert', status: 'ready', domain: 'news', tokensTrained: 5120, ownDomainPerplexity: 30 });
    expect(byName.fiction).toMatchObject({
      role: 'expert',
      status: 'training',
      domain: 'fiction',
      tokensTrained: 512,
      ownDomainPerplexity: null,
    });
    expect(byName.news!.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    catalog.close();
  });

  it('lists the lineage edges with their weights', () => {
    const catalog = forestWithExperts();
    const ids = Object.fromEntries(forestSummary(catalog).models.map((m) => [m.name, m.id]));
    expect(forestSummary(catalog).lineage).toEqual([
      { child: ids.news, parent: ids.seed, weight: 1 },
      { child: ids.fiction, parent: ids.seed, weight: 0.25 },
      { child: ids.fiction, parent: ids.news, weight: 0.75 },
    ]);
    catalog.close();
  });

  it('leaves parameters and inference sizes empty when a row has no readable architecture', () => {
    const catalog = forestWithExperts();
    databaseOf(catalog).prepare('UPDATE models SET architecture_json = \'{"architecture":"GPT2"}\' WHERE name = \'seed\'').run();
    expect(forestSummary(catalog).models.find((m) => m.name === 'seed')).toMatchObject({ parameters: null, inferenceBytes: null });
    catalog.close();
  });
});
