// Catalog rows for collapse trials: the merge methods scored on a target before a collapse (JSON,
// schemas-collapse-trial.ts), by the job that ran them; the app reads its own job's, `grove collapse` the newest.
import { CollapseTrial } from '../../shared/api/schemas-collapse-trial';
import type { Catalog } from './catalog';
import { databaseOf } from './database';

export function insertCollapseTrial(catalog: Catalog, forestId: number, trial: Omit<CollapseTrial, 'createdAt'>): void {
  databaseOf(catalog)
    .prepare('INSERT INTO collapse_trials (forest_id, job_id, trial_json) VALUES (?, ?, ?)')
    .run(forestId, trial.jobId, JSON.stringify(trial));
}

/** The trial of one job (or the forest's newest); null when there is none, or when a newer Grove wrote it in a form this one cannot read. */
export function collapseTrial(catalog: Catalog, forestId: number, jobId?: number): CollapseTrial | null {
  const db = databaseOf(catalog);
  const columns = 'SELECT trial_json AS json, created_at AS createdAt FROM collapse_trials WHERE forest_id = ?';
  const row = (
    jobId === undefined
      ? db.prepare(`${columns} ORDER BY id DESC LIMIT 1`).get(forestId)
      : db.prepare(`${columns} AND job_id = ? ORDER BY id DESC LIMIT 1`).get(forestId, jobId)
  ) as { json: string; createdAt: string } | undefined;
  if (!row) return null;
  const parsed = CollapseTrial.safeParse({ ...(JSON.parse(row.json) as object), createdAt: row.createdAt });
  return parsed.success ? parsed.data : null;
}
