// Catalog rows for saved mixes (schema v5's `mixes` table): a name the person gave a way of mixing the forest
// (fixed weights, or the posterior over the top-k experts, as the chat panel's ChatMix has it), callable by
// that name from `grove chat`-like tools and the OpenAI-compatible endpoint. The only module that runs SQL on
// the table; the mix is kept as the ChatMix JSON and read back through its schema.
import { GroveError } from '../../shared/api/errors';
import { ChatMix } from '../../shared/api/schemas-chat';
import type { Catalog } from './catalog';
import { databaseOf } from './database';

export interface SavedMixRow {
  id: number;
  name: string;
  /** The mix, or null when the stored JSON is not a mix this Grove can read (written by a newer one). */
  mix: ChatMix | null;
  createdAt: string;
}

interface RawRow {
  id: number;
  name: string;
  specJson: string;
  createdAt: string;
}

function parsedMix(specJson: string): ChatMix | null {
  try {
    const parsed = ChatMix.safeParse(JSON.parse(specJson));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

const toRow = ({ specJson, ...row }: RawRow): SavedMixRow => ({ ...row, mix: parsedMix(specJson) });

const SELECT = 'SELECT id, name, spec_json AS specJson, created_at AS createdAt FROM mixes';

/** The forest's saved mixes, by name. */
export function listMixes(catalog: Catalog, forestId: number): SavedMixRow[] {
  return (databaseOf(catalog).prepare(`${SELECT} WHERE forest_id = ? ORDER BY name`).all(forestId) as RawRow[]).map(toRow);
}

export function findMix(catalog: Catalog, forestId: number, name: string): SavedMixRow | null {
  const row = databaseOf(catalog).prepare(`${SELECT} WHERE forest_id = ? AND name = ?`).get(forestId, name) as RawRow | undefined;
  return row ? toRow(row) : null;
}

/**
 * Saves a mix under `name`. A name already taken is refused unless `replace` is set; a replaced mix keeps its
 * row (and creation time), so what was saved first stays first in time.
 */
export function saveMix(catalog: Catalog, forestId: number, name: string, mix: ChatMix, o: { replace?: boolean } = {}): SavedMixRow {
  const spec = JSON.stringify(mix);
  return databaseOf(catalog).transaction(() => {
    const existing = findMix(catalog, forestId, name);
    if (existing && !o.replace)
      throw new GroveError(
        'conflict',
        `A mix named ${JSON.stringify(name)} is already saved; choose another name, or replace it (grove mix save --replace).`,
        { mix: name },
      );
    if (existing) databaseOf(catalog).prepare('UPDATE mixes SET spec_json = ? WHERE id = ?').run(spec, existing.id);
    else databaseOf(catalog).prepare('INSERT INTO mixes (forest_id, name, spec_json) VALUES (?, ?, ?)').run(forestId, name, spec);
    return findMix(catalog, forestId, name)!;
  })();
}

/** Removes a saved mix; false when there was none of that name. */
export function removeMix(catalog: Catalog, forestId: number, name: string): boolean {
  return databaseOf(catalog).prepare('DELETE FROM mixes WHERE forest_id = ? AND name = ?').run(forestId, name).changes > 0;
}
