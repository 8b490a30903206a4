// Lineage: which models each model was initialised from, and with what weights (btm.md "Merge": the
// catalog row and the lineage edge with the init weights); and the forest's lineage graph for the UI.
import { GroveError } from '../../shared/api/errors';
import type { Catalog, ModelRole } from '../catalog/catalog';

/** How far the weights of one child may sum from 1 (they come renormalised from weights.ts). */
const SUM_TOLERANCE = 1e-9;

export interface ParentEdge {
  modelId: number;
  weight: number;
}

export interface LineageParent extends ParentEdge {
  name: string;
  role: ModelRole;
}

export interface LineageNode {
  id: number;
  name: string;
  role: ModelRole;
  status: 'training' | 'ready' | 'removed';
  domain: string | null;
  createdAt: string;
}

/** child was initialised as sum(weight * parent): an arrow from parent to child. */
export interface LineageEdge {
  childId: number;
  parentId: number;
  weight: number;
}

export interface LineageGraph {
  nodes: LineageNode[];
  edges: LineageEdge[];
}

function modelForest(catalog: Catalog, id: number, what: string): number {
  const row = catalog.db.prepare('SELECT forest_id AS forestId FROM models WHERE id = ?').get(id) as { forestId: number } | undefined;
  if (!row) throw new GroveError('not_found', `lineage: ${what} model ${id} is not in the catalog. Record lineage only for models the catalog holds.`, { modelId: id });
  return row.forestId;
}

/** Every model initialised (directly or not) from `id`. */
function descendants(catalog: Catalog, id: number): Set<number> {
  const rows = catalog.db
    .prepare('WITH RECURSIVE d(id) AS (SELECT child_id FROM lineage WHERE parent_id = ? UNION SELECT l.child_id FROM lineage l JOIN d ON l.parent_id = d.id) SELECT id FROM d')
    .all(id) as { id: number }[];
  return new Set(rows.map((r) => r.id));
}

/**
 * Records how a new model was initialised: one edge per parent, weights > 0 summing to 1 (one parent at
 * weight 1 for a copy). A model's lineage is history: recording it twice is refused.
 */
export function recordLineage(catalog: Catalog, childId: number, parents: readonly ParentEdge[]): void {
  if (parents.length === 0) throw new GroveError('bad_input', `lineage: no parents given for model ${childId}. A branch has at least one parent (the seed, for a copy of it).`);
  catalog.db.transaction(() => {
    const forestId = modelForest(catalog, childId, 'child');
    const existing = catalog.db.prepare('SELECT COUNT(*) AS n FROM lineage WHERE child_id = ?').get(childId) as { n: number };
    if (existing.n > 0) throw new GroveError('conflict', `lineage: model ${childId} already has its parents recorded. A model's init is recorded once; branch a new model instead.`, { modelId: childId });
    const below = descendants(catalog, childId);
    const seen = new Set<number>();
    let sum = 0;
    for (const p of parents) {
      if (!(Number.isFinite(p.weight) && p.weight > 0 && p.weight <= 1)) {
        throw new GroveError('bad_input', `lineage: parent ${p.modelId} of model ${childId} has weight ${p.weight}; weights must be in (0, 1]. Leave out parents that gave nothing.`, { parent: p.modelId, weight: p.weight });
      }
      if (p.modelId === childId || below.has(p.modelId)) throw new GroveError('bad_input', `lineage: model ${p.modelId} cannot be a parent of model ${childId}: it would be its own ancestor.`, { parent: p.modelId });
      if (seen.has(p.modelId)) throw new GroveError('bad_input', `lineage: parent ${p.modelId} is listed twice for model ${childId}. List each parent once.`, { parent: p.modelId });
      if (modelForest(catalog, p.modelId, 'parent') !== forestId) throw new GroveError('bad_input', `lineage: parent ${p.modelId} belongs to another forest than model ${childId}. Models of one forest only.`, { parent: p.modelId });
      seen.add(p.modelId);
      sum += p.weight;
    }
    if (Math.abs(sum - 1) > SUM_TOLERANCE) throw new GroveError('bad_input', `lineage: the weights of model ${childId}'s parents sum to ${sum}, not 1. Renormalise them (weights.ts does).`, { sum });
    const insert = catalog.db.prepare('INSERT INTO lineage (child_id, parent_id, weight) VALUES (?, ?, ?)');
    for (const p of parents) insert.run(childId, p.modelId, p.weight);
  })();
}

/** The models `childId` was initialised from, heaviest first; empty for a seed or an import. */
export function parentsOf(catalog: Catalog, childId: number): LineageParent[] {
  return catalog.db
    .prepare('SELECT l.parent_id AS modelId, l.weight, m.name, m.role FROM lineage l JOIN models m ON m.id = l.parent_id WHERE l.child_id = ? ORDER BY l.weight DESC, l.parent_id')
    .all(childId) as LineageParent[];
}

/** Every model of the forest (removed ones too, so the history stays whole) and every lineage edge. */
export function lineageGraph(catalog: Catalog, forestId: number): LineageGraph {
  const nodes = catalog.db
    .prepare('SELECT m.id, m.name, m.role, m.status, d.name AS domain, m.created_at AS createdAt FROM models m LEFT JOIN domains d ON d.id = m.domain_id WHERE m.forest_id = ? ORDER BY m.id')
    .all(forestId) as LineageNode[];
  const edges = catalog.db
    .prepare('SELECT l.child_id AS childId, l.parent_id AS parentId, l.weight FROM lineage l JOIN models m ON m.id = l.child_id WHERE m.forest_id = ? ORDER BY l.child_id, l.parent_id')
    .all(forestId) as LineageEdge[];
  return { nodes, edges };
}
