// Catalog rows for evaluations: a model or an ensemble, posterior-weighted or cluster-routed (its spec, JSON),
// scored on one domain split. Every
// evaluation is kept; readers take the newest per (spec, domain, split).
import type { EvaluationView } from '../../shared/api/schemas-forest';
import type { EvaluationSpec } from '../store/evaluate-job';
import type { Evaluation } from '../../engine/eval/perplexity';
import type { Catalog } from './catalog';
import { databaseOf } from './database';

export function insertEvaluation(catalog: Catalog, forestId: number, spec: EvaluationSpec, domainId: number, e: Evaluation): void {
  databaseOf(catalog)
    .prepare(
      'INSERT INTO evaluations (forest_id, spec_json, domain_id, split, loss, perplexity, bits_per_byte, tokens) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    )
    .run(
      forestId,
      JSON.stringify(spec),
      domainId,
      e.split,
      e.loss,
      e.perplexity,
      Number.isFinite(e.bitsPerByte) ? e.bitsPerByte : null,
      e.tokens,
    );
}

/** The heatmap's row: a model's name, or an ensemble's size and how it is weighed (a cluster-routed one says so). */
function label(spec: EvaluationSpec): string {
  if (spec.kind === 'model') return spec.model;
  if (spec.kind === 'routed') return `ensemble of ${spec.models.length} (cluster-routed)`;
  return `ensemble of ${spec.models.length} (${spec.prior} prior)`;
}

function specView(spec: EvaluationSpec): EvaluationView['spec'] {
  if (spec.kind === 'model') return { kind: 'model', model: spec.model };
  if (spec.kind === 'routed') return { kind: 'routed', routing: spec.routing, models: spec.models };
  return { kind: 'ensemble', models: spec.models, prior: spec.prior, posterior: spec.posterior };
}

/** The newest evaluation of each (model or ensemble, domain, split), models first in the order they were scored. */
export function listEvaluations(catalog: Catalog, forestId: number): EvaluationView[] {
  const rows = databaseOf(catalog)
    .prepare(
      `SELECT e.spec_json AS specJson, d.name AS domain, e.split, e.loss, e.perplexity, e.bits_per_byte AS bitsPerByte, e.tokens, e.created_at AS createdAt
       FROM evaluations e JOIN domains d ON d.id = e.domain_id
       WHERE e.forest_id = ? AND e.id IN (SELECT MAX(id) FROM evaluations WHERE forest_id = ? GROUP BY spec_json, domain_id, split)
       ORDER BY e.id`,
    )
    .all(forestId, forestId) as (Omit<EvaluationView, 'spec' | 'label'> & { specJson: string })[];
  return rows.map(({ specJson, ...row }) => {
    const spec = JSON.parse(specJson) as EvaluationSpec;
    return { ...row, label: label(spec), spec: specView(spec) };
  });
}
