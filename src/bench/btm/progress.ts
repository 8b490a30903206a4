// The BTM benchmark's progress: one line (phase, model, step, loss, rate, ETA of the whole run) and the
// wall time of each phase. Work is counted in "units": a trained token is 3 (forward + backward + update),
// a scored token is 1, so one rate measured so far predicts the rest whatever mix of phases remains.
import { formatEta } from '../../cli/progress-line';

export interface PhaseTiming {
  phase: string;
  seconds: number;
  /** Tokens trained on, or scored, in this phase. */
  trainedTokens: number;
  scoredTokens: number;
  /** 1-minute load average of the machine when the phase ended (other processes share the cores). */
  loadAverage: number;
}

export const TRAIN_UNITS_PER_TOKEN = 3;

export class BtmProgress {
  private done = 0;
  private readonly started = performance.now();
  private phaseStart = performance.now();
  private phaseTrained = 0;
  private phaseScored = 0;
  readonly phases: PhaseTiming[] = [];

  constructor(
    private planned: number,
    private readonly show: (line: string) => void,
    private readonly loadAverage: () => number,
  ) {}

  trained(tokens: number): void {
    this.done += tokens * TRAIN_UNITS_PER_TOKEN;
    this.phaseTrained += tokens;
  }

  scored(tokens: number): void {
    this.done += tokens;
    this.phaseScored += tokens;
  }

  /** Seconds left for the whole run at the rate measured so far (null before any work). */
  etaSeconds(): number | null {
    const elapsed = (performance.now() - this.started) / 1000;
    if (this.done === 0 || elapsed <= 0) return null;
    return Math.max(0, this.planned - this.done) / (this.done / elapsed);
  }

  update(text: string): void {
    const pct = this.planned > 0 ? Math.min(100, (100 * this.done) / this.planned) : 0;
    this.show(`btm ${text} | run ${pct.toFixed(0)} % ${formatEta(this.etaSeconds())}`);
  }

  /** Closes the current phase under `name` and starts the next one. */
  endPhase(name: string): PhaseTiming {
    const now = performance.now();
    const timing = {
      phase: name,
      seconds: (now - this.phaseStart) / 1000,
      trainedTokens: this.phaseTrained,
      scoredTokens: this.phaseScored,
      loadAverage: this.loadAverage(),
    };
    this.phases.push(timing);
    this.phaseStart = now;
    this.phaseTrained = 0;
    this.phaseScored = 0;
    return timing;
  }

  get totalSeconds(): number {
    return (performance.now() - this.started) / 1000;
  }
}
