// Progress events for a progress line or bar: files and bytes done of total, rates, ETA; throttled so a callback is cheap.
import type { IngestProgress, ProgressListener } from './types';

const INTERVAL_MS = 100;

export class ProgressMeter {
  private filesDone = 0;
  private bytesDone = 0;
  private last = 0;
  private readonly start = performance.now();
  phase: IngestProgress['phase'] = 'walk';

  constructor(
    private readonly listener: ProgressListener | undefined,
    private filesTotal = 0,
    private bytesTotal = 0,
  ) {}

  setTotals(files: number, bytes: number): void {
    this.filesTotal = files;
    this.bytesTotal = bytes;
  }

  bytes(n: number, current?: string): void {
    this.bytesDone += n;
    this.maybeEmit(current);
  }

  fileDone(current?: string): void {
    this.filesDone++;
    this.maybeEmit(current);
  }

  /** Sends an event now, whatever the throttle says (phase changes, the end). */
  emit(current?: string): void {
    if (!this.listener) return;
    this.last = performance.now();
    const seconds = Math.max(1e-3, (this.last - this.start) / 1000);
    const bytesPerSecond = this.bytesDone / seconds;
    const left = this.bytesTotal - this.bytesDone;
    this.listener({
      phase: this.phase,
      filesDone: this.filesDone,
      filesTotal: this.filesTotal,
      bytesDone: this.bytesDone,
      bytesTotal: this.bytesTotal,
      filesPerSecond: this.filesDone / seconds,
      megabytesPerSecond: bytesPerSecond / 1e6,
      etaSeconds: this.phase === 'done' ? 0 : bytesPerSecond > 0 && seconds > 0.2 ? Math.max(0, left) / bytesPerSecond : null,
      ...(current === undefined ? {} : { current }),
    });
  }

  private maybeEmit(current?: string): void {
    if (this.listener && performance.now() - this.last >= INTERVAL_MS) this.emit(current);
  }
}
