// Events the engine pushes to every connected UI (progress of long work, changes to the forest).

/** One training step's report, as the training loop emits it and the training monitor shows it. */
export interface TrainProgress {
  step: number;
  totalSteps: number;
  tokens: number;
  loss: number;
  lr: number;
  gradNorm: number;
  tokensPerSecond: number;
  etaSeconds: number | null;
  validLoss?: number;
  checkpoint?: string;
}

/** A queued or running piece of long work, as the UI shows it. */
export interface JobView {
  id: number;
  kind: string;
  label: string;
  status: 'queued' | 'running' | 'paused' | 'done' | 'failed' | 'cancelled';
  done: number;
  total: number;
  etaSeconds: number | null;
  error: string | null;
  phase?: string;
  runId?: number;
}

export type GroveEvent =
  | { type: 'forest.changed' }
  | { type: 'job.changed'; job: JobView }
  | { type: 'train.progress'; runId: number; progress: TrainProgress };

export type GroveEventListener = (event: GroveEvent) => void;
