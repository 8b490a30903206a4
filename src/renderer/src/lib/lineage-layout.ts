// Layered layout of the forest's lineage: a model sits one layer below its deepest parent, so the seed is on
// top and every branch or collapse hangs below what it came from. Small forests only (tens of models).

export interface LineageNode {
  id: number;
  name: string;
  role: string;
  status: string;
  domain: string | null;
}
export interface LineageEdge {
  child: number;
  parent: number;
  weight: number;
}
export interface PlacedNode extends LineageNode {
  layer: number;
  x: number;
  y: number;
}

/** Layers by longest path from a root; positions on a grid of `dx` x `dy`. Cycles (bad data) are cut. */
export function layoutLineage(nodes: LineageNode[], edges: LineageEdge[], dx = 150, dy = 80): PlacedNode[] {
  const parents = new Map<number, number[]>();
  for (const e of edges) parents.set(e.child, [...(parents.get(e.child) ?? []), e.parent]);
  const layer = new Map<number, number>();
  const visiting = new Set<number>();
  const depth = (id: number): number => {
    const known = layer.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0;
    visiting.add(id);
    const ps = (parents.get(id) ?? []).filter((p) => nodes.some((n) => n.id === p));
    const d = ps.length === 0 ? 0 : 1 + Math.max(...ps.map(depth));
    visiting.delete(id);
    layer.set(id, d);
    return d;
  };
  const counts = new Map<number, number>();
  return nodes.map((n) => {
    const l = depth(n.id);
    const column = counts.get(l) ?? 0;
    counts.set(l, column + 1);
    return { ...n, layer: l, x: column * dx, y: l * dy };
  });
}
