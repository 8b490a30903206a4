// Events the engine pushes to every connected UI (progress of long work, changes to the forest).
export type GroveEvent =
  | { type: 'forest.changed' }
  | { type: 'job.progress'; jobId: string; label: string; done: number; total: number; etaSeconds: number | null };

export type GroveEventListener = (event: GroveEvent) => void;
