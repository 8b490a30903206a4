// The forest view's read model: every model with what its card shows (role, status, domain, size, tokens
// trained, own-domain test perplexity, its weights' size at each inference choice) and the lineage edges, in a handful of queries over the catalog.
import type { ForestSummary } from '../../shared/api/schemas';
import { ModelConfigSchema, type ModelConfig } from '../../engine/model/config';
import { loraParameterCount, type LoraConfig } from '../../engine/model/lora';
import { parameterCount } from '../../engine/model/names';
import { inferenceWeightBytes } from '../../engine/quant/sizes';
import type { Catalog, DomainRow } from './catalog';
import { databaseOf } from './database';
import { parseCollapseFacts } from './models';
import { parseDomainStats } from './domains';

type ModelSummary = ForestSummary['models'][number];

interface ModelQueryRow {
  id: number;
  name: string;
  role: ModelSummary['role'];
  status: ModelSummary['status'];
  domainId: number | null;
  domain: string | null;
  weightsBytes: number | null;
  architectureJson: string | null;
  createdAt: string;
  tokensTrained: number;
  kind: ModelSummary['kind'];
  baseSha256: string | null;
  loraJson: string | null;
  weightsSha256: string | null;
  collapseJson: string | null;
}

interface EvaluationRow {
  specJson: string;
  domainId: number;
  perplexity: number;
}

export function domainSummary(d: DomainRow): ForestSummary['domains'][number] {
  return { id: d.id, name: d.name, sourcePath: d.sourcePath, stats: parseDomainStats(d.statsJson) };
}

/** The stored architecture; null when the row has none or one this Grove cannot read. */
function configOf(architectureJson: string | null): ModelConfig | null {
  if (!architectureJson) return null;
  try {
    const parsed = ModelConfigSchema.safeParse(JSON.parse(architectureJson));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** A light expert's card facts: its adapter settings, its base by name (a live model with the base's weights), its trainable parameters. */
function lightOf(r: ModelQueryRow, rows: readonly ModelQueryRow[]): ModelSummary['light'] {
  if (r.kind !== 'light' || !r.loraJson || !r.architectureJson) return null;
  const lora = JSON.parse(r.loraJson) as LoraConfig;
  const base = rows.find((m) => m.weightsSha256 === r.baseSha256 && m.status !== 'removed' && m.kind === 'full')?.name ?? null;
  const parsed = ModelConfigSchema.safeParse(JSON.parse(r.architectureJson));
  return {
    rank: lora.rank,
    alpha: lora.alpha,
    targets: [...lora.targets],
    base,
    trainableParameters: parsed.success ? loraParameterCount(parsed.data, lora) : 0,
  };
}

/** The model an evaluation spec names, when it scored one model (an ensemble names several). */
function evaluatedModel(specJson: string): string | null {
  try {
    const spec = JSON.parse(specJson) as { kind?: unknown; model?: unknown };
    return spec.kind === 'model' && (typeof spec.model === 'string' || typeof spec.model === 'number') ? String(spec.model) : null;
  } catch {
    return null;
  }
}

export function forestSummary(catalog: Catalog): ForestSummary {
  const forest = catalog.forest();
  if (!forest) return { forest: null, domains: [], models: [], lineage: [] };
  const db = databaseOf(catalog);
  const rows = db
    .prepare(
      `SELECT m.id, m.name, m.role, m.status, m.domain_id AS domainId, d.name AS domain, m.weights_bytes AS weightsBytes,
              m.architecture_json AS architectureJson, m.created_at AS createdAt, m.kind, m.base_sha256 AS baseSha256, m.lora_json AS loraJson, m.weights_sha256 AS weightsSha256,
              m.collapse_json AS collapseJson, COALESCE((SELECT SUM(r.tokens) FROM runs r WHERE r.model_id = m.id), 0) AS tokensTrained
         FROM models m LEFT JOIN domains d ON d.id = m.domain_id
        WHERE m.forest_id = ? ORDER BY m.id`,
    )
    .all(forest.id) as ModelQueryRow[];

  // Latest own-domain test perplexity per model: newest rows first, the first match wins.
  const evaluations = db
    .prepare(
      "SELECT spec_json AS specJson, domain_id AS domainId, perplexity FROM evaluations WHERE forest_id = ? AND split = 'test' ORDER BY created_at DESC, id DESC",
    )
    .all(forest.id) as EvaluationRow[];
  const ownPerplexity = new Map<number, number>();
  for (const row of rows) {
    if (row.domainId === null) continue;
    const hit = evaluations.find(
      (e) => e.domainId === row.domainId && [row.name, String(row.id)].includes(evaluatedModel(e.specJson) ?? ''),
    );
    if (hit) ownPerplexity.set(row.id, hit.perplexity);
  }

  const lineage = db
    .prepare(
      'SELECT l.child_id AS child, l.parent_id AS parent, l.weight FROM lineage l JOIN models m ON m.id = l.child_id WHERE m.forest_id = ? ORDER BY l.child_id, l.parent_id',
    )
    .all(forest.id) as ForestSummary['lineage'];

  return {
    forest,
    domains: catalog.domains(forest.id).map(domainSummary),
    models: rows.map((r) => modelSummary(r, rows, ownPerplexity.get(r.id) ?? null)),
    lineage,
  };
}
/** One model's card facts; its sizes come from its stored architecture. */
function modelSummary(r: ModelQueryRow, rows: readonly ModelQueryRow[], ownDomainPerplexity: number | null): ModelSummary {
  const config = configOf(r.architectureJson);
  return {
    id: r.id,
    name: r.name,
    role: r.role,
    status: r.status,
    domainId: r.domainId,
    domain: r.domain,
    parameters: config ? parameterCount(config) : null,
    weightsBytes: r.weightsBytes,
    inferenceBytes: config && r.kind === 'full' ? inferenceWeightBytes(config) : null,
    tokensTrained: r.tokensTrained,
    ownDomainPerplexity,
    createdAt: r.createdAt,
    kind: r.kind,
    light: lightOf(r, rows),
    collapse: parseCollapseFacts(r.collapseJson),
  };
}
