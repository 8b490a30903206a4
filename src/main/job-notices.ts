// OS notifications when a job finishes or fails: main watches job.changed events and tells the person once
// per job end, even when the window is hidden (the decision lives in job-notice.ts).
import { Notification } from 'electron';
import type { GroveApi, JobView } from '../shared/api';
import { jobNotice } from './job-notice';

/** Subscribes to the engine's events; returns the unsubscribe. */
export function notifyJobEnds(api: GroveApi): () => void {
  const seen = new Map<number, JobView['status']>();
  return api.onEvent((event) => {
    if (event.type !== 'job.changed') return;
    const notice = jobNotice(seen.get(event.job.id), event.job);
    seen.set(event.job.id, event.job.status);
    if (notice && Notification.isSupported()) new Notification(notice).show();
  });
}
