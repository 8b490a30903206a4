// The training loop: batches from token windows, the learning-rate schedule, periodic validation with
// early stopping, checkpoints every N steps or M minutes (whichever comes first), a time budget that holds
// (the run stops when its wall-clock time, summed over resumes, is spent), progress events (tokens/s, ETA),
// cancel and pause. Resuming restores parameters, optimizer state and loop state from the newest verified
// checkpoint; batches are a pure function of (seed, step), so a resumed run repeats no data and skips none.
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainProgress } from '../../shared/api/events';
import type { TensorReader } from '../model/safetensors';
import type { TensorToWrite } from '../model/safetensors-write';
import { CHECKPOINTS_DIR, loadLatestCheckpoint, saveCheckpoint, type LoopState } from './checkpoint';
import { scheduleFn, type ScheduleConfig } from './schedule';
import type { Batch, TokenWindows } from './windows';

/** One compiled train step (forward, backward, clipping, AdamW) and its state, on some device. */
export interface TrainStepRunner {
  readonly batchSize: number; // B
  readonly contextLength: number; // T
  step(batch: Batch, lr: number): Promise<{ loss: number; gradNorm: number }>;
  /** Mean next-token loss on a batch, no update. */
  evalLoss(batch: Batch): Promise<number>;
  /** Parameters and optimizer state, by name, for a checkpoint. */
  exportState(): Promise<TensorToWrite[]>;
  importState(tensors: TensorReader): Promise<void>;
}

export type { TrainProgress };

export interface TrainLoopOptions {
  runDir: string;
  totalSteps: number;
  schedule: Omit<ScheduleConfig, 'totalSteps'>;
  seed: number;
  train: TokenWindows;
  valid?: TokenWindows;
  evalEvery?: number;
  evalBatches?: number;
  /** Stop after this many evaluations without a better validation loss (0 = never). */
  patience?: number;
  /** Checkpoint at every multiple of this many steps, and when this many minutes have passed since the last one. */
  checkpointEverySteps?: number;
  checkpointEveryMinutes?: number;
  /** Stop, with a model, once the loop has run this long in all (a minutes budget; its steps are only planned). */
  timeLimitSeconds?: number;
  /** Abort to stop; `reason: 'pause'` stops the same way but reports 'paused'. */
  signal?: AbortSignal;
  onProgress?: (p: TrainProgress) => void;
  log?: (line: string) => void;
}

export type StopReason = 'done' | 'early-stop' | 'time-limit' | 'cancelled' | 'paused';

/** The stops that end a run with a trained model. */
export const FINISHED: readonly StopReason[] = ['done', 'early-stop', 'time-limit'];

export interface MetricRow {
  step: number;
  split: 'train' | 'valid';
  loss: number;
  lr?: number;
  tokensPerSecond?: number;
}

const METRICS_FILE = 'metrics.jsonl';

/** The loss history of a run, as written by the loop (one JSON object per line). */
export function readMetrics(runDir: string): MetricRow[] {
  let text = '';
  try {
    text = readFileSync(join(runDir, METRICS_FILE), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as MetricRow);
}

async function validLoss(runner: TrainStepRunner, valid: TokenWindows, batches: number): Promise<number> {
  let sum = 0;
  // Fixed validation batches (negative steps never collide with training steps' streams).
  for (let i = 0; i < batches; i++) sum += await runner.evalLoss(valid.batch(-1 - i, runner.batchSize));
  return sum / batches;
}

export async function runTraining(runner: TrainStepRunner, o: TrainLoopOptions): Promise<{ reason: StopReason; state: LoopState }> {
  const log = o.log ?? (() => undefined);
  mkdirSync(o.runDir, { recursive: true });
  const ckptDir = join(o.runDir, CHECKPOINTS_DIR);
  const lr = scheduleFn({ ...o.schedule, totalSteps: o.totalSteps });
  const tokensPerStep = runner.batchSize * runner.contextLength;
  let state: LoopState = { step: 0, tokens: 0, bestValidLoss: null, evalsSinceBest: 0 };

  const resumed = await loadLatestCheckpoint(ckptDir, log);
  if (resumed) {
    await runner.importState(resumed.tensors);
    await resumed.tensors.close();
    state = resumed.state;
    log(`resumed from step ${state.step} (${resumed.dir})`);
  }
  // Metrics after the checkpoint were lost with the crash: drop them so the curve continues cleanly.
  const kept = readMetrics(o.runDir).filter((m) => m.step < state.step || (m.split === 'valid' && m.step <= state.step));
  writeFileSync(join(o.runDir, METRICS_FILE), kept.map((m) => `${JSON.stringify(m)}\n`).join(''));

  const checkpoint = async (): Promise<string> => saveCheckpoint(ckptDir, state, await runner.exportState());
  const started = performance.now();
  const startStep = state.step;
  const spentBefore = state.elapsedSeconds ?? 0;
  const spent = (): number => spentBefore + (performance.now() - started) / 1000;
  let lastCheckpointAt = performance.now();
  let reason: StopReason = 'done';

  while (state.step < o.totalSteps) {
    if (o.signal?.aborted) {
      reason = o.signal.reason === 'pause' ? 'paused' : 'cancelled';
      break;
    }
    if (o.timeLimitSeconds !== undefined && spent() >= o.timeLimitSeconds) {
      reason = 'time-limit';
      const budget = o.timeLimitSeconds < 120 ? `${Math.round(o.timeLimitSeconds)} s` : `${(o.timeLimitSeconds / 60).toFixed(1)} min`;
      log(`stopped at the time budget (${budget}) after step ${state.step} of the ${o.totalSteps} planned`);
      break;
    }
    const rate = lr(state.step);
    const { loss, gradNorm } = await runner.step(o.train.batch(state.step, runner.batchSize), rate);
    if (!Number.isFinite(loss))
      throw new Error(`Training diverged at step ${state.step}: loss is ${loss}. Lower the learning rate and resume.`);
    state = { ...state, step: state.step + 1, tokens: state.tokens + tokensPerStep, elapsedSeconds: spent() };
    const elapsed = (performance.now() - started) / 1000;
    const tokensPerSecond = ((state.step - startStep) * tokensPerStep) / Math.max(elapsed, 1e-9);
    const progress: TrainProgress = {
      step: state.step,
      totalSteps: o.totalSteps,
      tokens: state.tokens,
      loss,
      lr: rate,
      gradNorm,
      tokensPerSecond,
      etaSeconds:
        state.step > startStep ? eta(((o.totalSteps - state.step) * tokensPerStep) / tokensPerSecond, o.timeLimitSeconds, spent()) : null,
    };
    appendFileSync(
      join(o.runDir, METRICS_FILE),
      `${JSON.stringify({ step: state.step - 1, split: 'train', loss, lr: rate, tokensPerSecond } satisfies MetricRow)}\n`,
    );

    let stopEarly = false;
    if (o.valid && o.evalEvery && (state.step % o.evalEvery === 0 || state.step === o.totalSteps)) {
      const v = await validLoss(runner, o.valid, o.evalBatches ?? 4);
      progress.validLoss = v;
      appendFileSync(
        join(o.runDir, METRICS_FILE),
        `${JSON.stringify({ step: state.step, split: 'valid', loss: v } satisfies MetricRow)}\n`,
      );
      const improved = state.bestValidLoss === null || v < state.bestValidLoss;
      state = { ...state, bestValidLoss: improved ? v : state.bestValidLoss, evalsSinceBest: improved ? 0 : state.evalsSinceBest + 1 };
      stopEarly = (o.patience ?? 0) > 0 && state.evalsSinceBest >= (o.patience ?? 0);
    }
    const dueBySteps = o.checkpointEverySteps !== undefined && state.step % o.checkpointEverySteps === 0;
    const dueByTime = o.checkpointEveryMinutes !== undefined && performance.now() - lastCheckpointAt >= o.checkpointEveryMinutes * 60_000;
    if (dueBySteps || dueByTime) {
      progress.checkpoint = await checkpoint();
      lastCheckpointAt = performance.now();
    }
    o.onProgress?.(progress);
    if (stopEarly) {
      reason = 'early-stop';
      log(`early stop at step ${state.step}: validation loss has not improved for ${state.evalsSinceBest} evaluations`);
      break;
    }
  }
  // Always leave a checkpoint of where we stopped: done, early stop, time budget, pause or cancel.
  state = { ...state, elapsedSeconds: spent() };
  await checkpoint();
  return { reason, state };
}

/** The time left: what the remaining steps take at the current rate, but never past the time budget. */
function eta(bySteps: number, limit: number | undefined, spent: number): number {
  return limit === undefined ? bySteps : Math.max(0, Math.min(bySteps, limit - spent));
}
