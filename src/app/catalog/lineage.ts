// Catalog rows for lineage (btm.md "Merge"): one edge per parent a model was initialised from, with its
// weight. forest/lineage.ts checks the rules an edge must keep before it is written here; the reads give
// a model's parents and the forest's whole graph (removed models too, so the history stays whole).
import type { Catalog, ModelRole } from './catalog';
import { databaseOf } from './database';

/** A parent of a model, with what the card shows of it. */
export interface LineageParent {
  modelId: number;
  weight: number;
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

/** Every model initialised (directly or not) from `id`. */
export function descendantsOf(catalog: Catalog, id: number): Set<number> {
  const rows = databaseOf(catalog)
    .prepare(
      'WITH RECURSIVE d(id) AS (SELECT child_id FROM lineage WHERE parent_id = ? UNION SELECT l.child_id FROM lineage l JOIN d ON l.parent_id = d.id) SELECT id FROM d',
    )
    .all(id) as { id: number }[];
  return new Set(rows.map((r) => r.id));
}

/** How many parents are recorded for `childId` (0 before its lineage is written). */
export function parentCount(catalog: Catalog, childId: number): number {
  return (databaseOf(catalog).prepare('SELECT COUNT(*) AS n FROM lineage WHERE child_id = ?').get(childId) as { n: number }).n;
}

/** Writes a child's edges as given (checked by the caller, in the caller's transaction). */
export function insertLineageEdges(catalog: Catalog, childId: number, parents: readonly { modelId: number; weight: number }[]): void {
  const insert = databaseOf(catalog).prepare('INSERT INTO lineage (child_id, parent_id, weight) VALUES (?, ?, ?)');
  for (const p of parents) insert.run(childId, p.modelId, p.weight);
}

/** The models `childId` was initialised from, heaviest first; empty for a seed or an import. */
export function parentsOf(catalog: Catalog, childId: number): LineageParent[] {
  return databaseOf(catalog)
    .prepare(
      'SELECT l.parent_id AS modelId, l.weight, m.name, m.role FROM lineage l JOIN models m ON m.id = l.parent_id WHERE l.child_id = ? ORDER BY l.weight DESC, l.parent_id',
    )
    .all(childId) as LineageParent[];
}

/** Every model of the forest (removed ones too, so the history stays whole) and every lineage edge. */
export function lineageGraph(catalog: Catalog, forestId: number): LineageGraph {
  const db = databaseOf(catalog);
  const nodes = db
    .prepare(
      'SELECT m.id, m.name, m.role, m.status, d.name AS domain, m.created_at AS createdAt FROM models m LEFT JOIN domains d ON d.id = m.domain_id WHERE m.forest_id = ? ORDER BY m.id',
    )
    .all(forestId) as LineageNode[];
  const edges = db
    .prepare(
      'SELECT l.child_id AS childId, l.parent_id AS parentId, l.weight FROM lineage l JOIN models m ON m.id = l.child_id WHERE m.forest_id = ? ORDER BY l.child_id, l.parent_id',
    )
    .all(forestId) as LineageEdge[];
  return { nodes, edges };
}
