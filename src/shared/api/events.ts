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

/** A model's share of a chat reply's mix (the domain posterior, or fixed weights). */
export interface ExpertShare {
  name: string;
  weight: number;
}

/** How a chat reply ended: generation's reasons, or 'error' (then `error` says why). */
export type ChatFinish = 'stop-token' | 'stop-string' | 'length' | 'context' | 'aborted' | 'error';

export type GroveEvent =
  | { type: 'forest.changed' }
  /** A piece of a chat reply: the new text, and every model's weight after the token that ended it. */
  | { type: 'chat.token'; chatId: number; messageId: number; text: string; weights: ExpertShare[] }
  /** A chat reply ended (saved in the catalog): its whole text, and the posterior after its last token. */
  | { type: 'chat.done'; chatId: number; messageId: number; finish: ChatFinish; content: string; posterior: ExpertShare[]; error?: string }
  | { type: 'job.changed'; job: JobView }
  /** A line a job's worker wrote for the person (a fallback taken, a budget turned into steps). */
  | { type: 'job.log'; jobId: number; line: string }
  | { type: 'train.progress'; runId: number; progress: TrainProgress };

export type GroveEventListener = (event: GroveEvent) => void;
