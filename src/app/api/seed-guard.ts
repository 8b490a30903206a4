// One seed per forest home: no second seed while one exists, or while a job is about to plant one
// (a sample or from-scratch forest, a model folder imported, a download planted as the seed).
import { GroveError } from '../../shared/api/errors';
import type { Catalog } from '../catalog/catalog';
import type { JobQueue } from '../jobs/queue';
import { assertNoSeed } from '../store/init';

const plantsSeed = (kind: string, payload: unknown) =>
  kind === 'seed' || kind === 'import-seed' || (kind === 'download' && (payload as { asSeed?: boolean } | null)?.asSeed === true);

export function assertCanPlantSeed(catalog: Catalog, home: string, queue: JobQueue): void {
  assertNoSeed(catalog, home);
  const pending = queue.list(['queued', 'running', 'paused']).find((j) => plantsSeed(j.kind, j.payload));
  if (pending)
    throw new GroveError(
      'conflict',
      `Job ${pending.id} (${pending.kind}) is already creating this forest's seed; wait for it or cancel it first.`,
      { job: pending.id },
    );
}
