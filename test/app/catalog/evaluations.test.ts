// Evaluations in the catalog: a model's, a posterior ensemble's and a cluster-routed ensemble's (`grove eval
// --routing clusters`) scores of one domain are kept side by side, each read back with its own label and spec;
// the routed one is marked as such and is not taken for the posterior ensemble of the same experts (nor replaces
// it); scoring a spec again replaces its cell.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/app/catalog/catalog';
import { databaseOf } from '../../../src/app/catalog/database';
import { ensureForest } from '../../../src/app/catalog/domains';
import { insertEvaluation, listEvaluations } from '../../../src/app/catalog/evaluations';
import type { Evaluation } from '../../../src/engine/eval/perplexity';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
const score = (perplexity: number): Evaluation => ({
  split: 'test',
  loss: Math.log(perplexity),
  perplexity,
  bitsPerByte: 1.5,
  tokens: 512,
});

describe('evaluations in the catalog', () => {
  it('keeps a cluster-routed ensemble beside the posterior one, labelled and specified as routed', () => {
    const catalog = Catalog.open(join(dir, 'a.sqlite'));
    try {
      const forestId = ensureForest(catalog, 'f');
      const domainId = Number(
        databaseOf(catalog).prepare('INSERT INTO domains (forest_id, name) VALUES (?, ?)').run(forestId, 'recipe').lastInsertRowid,
      );
      const models = ['recipe', 'stars', 'court'];
      const modelIds = [1, 2, 3];
      insertEvaluation(catalog, forestId, { kind: 'model', model: 'recipe', modelId: 1 }, domainId, score(40));
      insertEvaluation(
        catalog,
        forestId,
        { kind: 'ensemble', models, modelIds, prior: 'cached', posterior: 'context' },
        domainId,
        score(30),
      );
      insertEvaluation(catalog, forestId, { kind: 'routed', routing: 'clusters', models, modelIds }, domainId, score(35));
      insertEvaluation(catalog, forestId, { kind: 'routed', routing: 'clusters', models, modelIds }, domainId, score(33));
      const rows = listEvaluations(catalog, forestId);
      expect(rows.map((r) => [r.label, r.perplexity])).toEqual([
        ['recipe', 40],
        ['ensemble of 3 (cached prior)', 30],
        ['ensemble of 3 (cluster-routed)', 33],
      ]);
      expect(rows[2]!.spec).toEqual({ kind: 'routed', routing: 'clusters', models });
      expect(rows[1]!.spec).toEqual({ kind: 'ensemble', models, prior: 'cached', posterior: 'context' });
    } finally {
      catalog.close();
    }
  });
});
