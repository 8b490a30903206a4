// A training run's curve for the monitor: the stored loss history (runMetrics, what came before this window
// was opened or the app restarted) followed by the live progress events, one point per step, valid losses
// attached to their step.
import type { TrainProgress } from '../../../shared/api';
import type { MetricPoint, RunView } from '../../../shared/api/schemas-forest';

export function runHistory(
  run: Pick<RunView, 'step' | 'totalSteps' | 'tokens'>,
  stored: readonly MetricPoint[],
  live: readonly TrainProgress[],
): TrainProgress[] {
  const bySteps = new Map<number, TrainProgress>();
  // Stored points carry no token count or ETA: tokens are spread by step over the run's total so far.
  const tokensAt = (step: number) => (run.step > 0 ? Math.round((run.tokens * step) / run.step) : 0);
  for (const p of stored) {
    const known = bySteps.get(p.step);
    if (p.split === 'valid') {
      if (known) known.validLoss = p.loss;
      else
        bySteps.set(p.step, {
          step: p.step,
          totalSteps: run.totalSteps,
          tokens: tokensAt(p.step),
          loss: Number.NaN,
          lr: 0,
          gradNorm: 0,
          tokensPerSecond: 0,
          etaSeconds: null,
          validLoss: p.loss,
        });
      continue;
    }
    bySteps.set(p.step, {
      step: p.step,
      totalSteps: run.totalSteps,
      tokens: tokensAt(p.step),
      loss: p.loss,
      lr: 0,
      gradNorm: 0,
      tokensPerSecond: p.tokensPerSecond ?? 0,
      etaSeconds: null,
      ...(known?.validLoss !== undefined ? { validLoss: known.validLoss } : {}),
    });
  }
  // Live events are the truth for their steps (a resumed run may repeat steps after its checkpoint).
  for (const p of live) {
    const known = bySteps.get(p.step);
    bySteps.set(p.step, p.validLoss === undefined && known?.validLoss !== undefined ? { ...p, validLoss: known.validLoss } : p);
  }
  const points = [...bySteps.values()].sort((a, b) => a.step - b.step);
  // A valid-only point (an evaluation logged on a step without a train point) takes the train loss before it.
  let lastLoss = Number.NaN;
  for (const p of points) {
    if (Number.isNaN(p.loss)) p.loss = lastLoss;
    else lastLoss = p.loss;
  }
  return points.filter((p) => !Number.isNaN(p.loss));
}
