// The background-work tray and a screen that starts a job: the engine's event for the new job can overtake the
// call's answer, and the tray must not list that job for the moment before the screen shows it itself (it
// flashed in and out, moving every screen down). A job announced with no call in flight is listed at once,
// and one a call's screen does not take up is listed a task after the call answered.
import { describe, expect, it } from 'vitest';
import { ForestState } from '../../../src/renderer/src/lib/forest-state.svelte';
import type { JobView } from '../../../src/shared/api';
import { fakeApi } from '../fake-api';

const job = (id: number): JobView => ({
  id,
  kind: 'measure',
  label: `job ${id}`,
  status: 'queued',
  done: 0,
  total: 2,
  etaSeconds: null,
  error: null,
});
const nextTask = () => new Promise((done) => setTimeout(done, 0));

describe('ForestState tray jobs', () => {
  it('leaves out a job announced while the call that starts it is in flight, until a task after its answer', async () => {
    let answer: (view: JobView) => void = () => {};
    const api = fakeApi({ measureTraining: () => new Promise<JobView>((done) => (answer = done)) });
    const forest = new ForestState(api);
    forest.start();
    const started = forest.starting(() => api.measureTraining({ light: { rank: 4 } }));
    await nextTask();
    api.emit({ type: 'job.changed', job: job(7) });
    expect(forest.job(7)?.status).toBe('queued');
    expect(forest.trayJobs.map((j) => j.id)).toEqual([]);
    answer(job(7));
    await expect(started).resolves.toMatchObject({ id: 7 });
    expect(forest.trayJobs.map((j) => j.id)).toEqual([]);
    await nextTask();
    expect(forest.trayJobs.map((j) => j.id)).toEqual([7]);
  });

  it('lists a job announced with no call in flight at once', () => {
    const api = fakeApi();
    const forest = new ForestState(api);
    forest.start();
    api.emit({ type: 'job.changed', job: job(3) });
    expect(forest.trayJobs.map((j) => j.id)).toEqual([3]);
  });
});
