// Clusterers on disk (c-BTM). A discovery keeps its clusterer beside its ingest ($GROVE_HOME/discover/<key>/, no
// expert yet); growing its experts (the app's "Grow experts", `grove add --discover --names`) keeps it as the
// forest's, so chat, generation and scoring can route by it. One clusterer per forest (the latest discovery that
// grew experts), in $GROVE_HOME/clusterer/. Each folder holds: clusterer.json (vocabulary, idf, centres, and which expert each cluster
// became: null for a dropped cluster) and components.f64 (the SVD components, [D, V] little-endian float64:
// 100 x 20,000 words are 16 MB, far too many numbers for JSON). All of the storage is here, so it can move into
// the catalog in one place.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { GroveError } from '../../shared/api/errors';
import type { Clusterer } from '../../engine/corpus/discover/clusterer';
import { writeFileDurable } from '../../engine/durable-write';

export interface StoredClusterer {
  clusterer: Clusterer;
  /** Per cluster, in the clusterer's order: the expert it grew (by model name), or null when it was dropped. */
  experts: (string | null)[];
}

const ClustererJson = z
  .object({
    version: z.literal(1),
    vocabulary: z.array(z.string()),
    idf: z.array(z.number()),
    dims: z.number().int().positive(),
    centres: z.array(z.array(z.number())),
    experts: z.array(z.string().nullable()),
  })
  .strict();
type ClustererJson = z.output<typeof ClustererJson>;

export function clustererDir(home: string): string {
  return join(home, 'clusterer');
}

/** Why the forest cannot route by clusters: it has none. `then` says what to do instead ("or route by the posterior"). */
export function noClustererError(then: string): GroveError {
  return new GroveError(
    'not_found',
    `This forest has no clusterer: its experts did not come from a discovery. Grow them with “Discover domains” in New expert or \`grove add <folder> --discover --names a,b,c\`, ${then}.`,
  );
}

/** Keeps `stored` as the forest's clusterer, the one routing reads. */
export async function saveClusterer(home: string, stored: StoredClusterer): Promise<void> {
  await saveClustererAt(clustererDir(home), stored);
}

/** Writes a clusterer into `dir` (components first, the JSON that names them last). */
export async function saveClustererAt(dir: string, stored: StoredClusterer): Promise<void> {
  const { clusterer, experts } = stored;
  if (experts.length !== clusterer.centres.length)
    throw new GroveError('internal', `The clusterer has ${clusterer.centres.length} clusters but ${experts.length} expert names.`);
  await mkdir(dir, { recursive: true });
  const components = clusterer.components;
  const bytes = new Uint8Array(components.length * 8);
  const view = new DataView(bytes.buffer);
  components.forEach((v, i) => view.setFloat64(i * 8, v, true));
  await writeFileDurable(join(dir, 'components.f64'), bytes);
  const json: ClustererJson = {
    version: 1,
    vocabulary: [...clusterer.vocabulary],
    idf: [...clusterer.idf],
    dims: clusterer.dims,
    centres: clusterer.centres.map((c) => [...c]),
    experts,
  };
  await writeFileDurable(join(dir, 'clusterer.json'), JSON.stringify(json));
}

/** The forest's clusterer, or null when no discovery grew its experts. */
export function loadClusterer(home: string): StoredClusterer | null {
  return loadClustererAt(clustererDir(home));
}

/**
 * The experts the forest's clusterer routes to, each once, in the order of their first cluster; null when the forest
 * has none. Reads clusterer.json only (not the SVD components): what the forest's summary and the evaluation's
 * plan need to know, read often.
 */
export function clustererExperts(home: string): string[] | null {
  const file = join(clustererDir(home), 'clusterer.json');
  if (!existsSync(file)) return null;
  let experts: unknown;
  try {
    experts = (JSON.parse(readFileSync(file, 'utf8')) as { experts?: unknown }).experts;
  } catch {
    experts = undefined;
  }
  const parsed = ClustererJson.shape.experts.safeParse(experts);
  if (!parsed.success)
    throw new GroveError(
      'conflict',
      `The forest's clusterer in ${clustererDir(home)} is damaged or from another Grove (clusterer.json does not name its experts). Run \`grove add <folder> --discover --names ...\` again to make it anew.`,
    );
  return [...new Set(parsed.data.filter((e): e is string => e !== null))];
}

/** The clusterer kept in `dir` (a forest home's clustererDir), or null when there is none. */
export function loadClustererAt(dir: string): StoredClusterer | null {
  if (!existsSync(join(dir, 'clusterer.json'))) return null;
  const damaged = (why: string) =>
    new GroveError(
      'conflict',
      `The forest's clusterer in ${dir} is damaged or from another Grove (${why}). Run \`grove add <folder> --discover --names ...\` again to make it anew.`,
      { dir },
    );
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(join(dir, 'clusterer.json'), 'utf8'));
  } catch {
    throw damaged('clusterer.json is not JSON');
  }
  const parsed = ClustererJson.safeParse(raw);
  if (!parsed.success) throw damaged('clusterer.json does not hold what a clusterer holds');
  const json = parsed.data;
  if (!existsSync(join(dir, 'components.f64'))) throw damaged('components.f64 is missing');
  const bytes = readFileSync(join(dir, 'components.f64'));
  const V = json.vocabulary.length;
  if (
    bytes.length !== json.dims * V * 8 ||
    json.idf.length !== V ||
    json.centres.length !== json.experts.length ||
    json.centres.some((c) => c.length !== json.dims)
  ) {
    throw damaged('its files do not agree');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const components = Float64Array.from({ length: json.dims * V }, (_, i) => view.getFloat64(i * 8, true));
  return {
    clusterer: {
      vocabulary: json.vocabulary,
      idf: Float64Array.from(json.idf),
      dims: json.dims,
      components,
      centres: json.centres.map((c) => Float64Array.from(c)),
    },
    experts: json.experts,
  };
}
