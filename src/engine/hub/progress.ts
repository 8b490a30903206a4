// Download progress: bytes done of the total, speed over a sliding window (so a stall shows at once and a
// resumed file's old bytes do not inflate it), and the time left at that speed.

export interface DownloadProgress {
  repoId: string;
  revision: string;
  commit: string;
  /** The file being fetched (or checked) now. */
  file: string;
  fileIndex: number;
  fileCount: number;
  fileBytesDone: number;
  fileBytesTotal: number;
  /** Over every file Grove needs, counting cached and resumed bytes as done. */
  bytesDone: number;
  bytesTotal: number;
  /** Bytes per second received over the last few seconds. */
  bytesPerSecond: number;
  /** Seconds left at that speed; null until there is a speed to go by. */
  etaSeconds: number | null;
}

/** Bytes per second over the last `windowMs` (or since the start, when that is shorter). */
export class TransferRate {
  private readonly samples: Array<{ t: number; bytes: number }> = [];
  private readonly start: number;

  constructor(
    private readonly windowMs = 5000,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.start = now();
  }

  /** Records `bytes` more received from the network. */
  add(bytes: number): void {
    this.samples.push({ t: this.now(), bytes });
    this.forgetOld();
  }

  bytesPerSecond(): number {
    this.forgetOld();
    const t = this.now();
    const span = Math.min(this.windowMs, t - this.start);
    if (span <= 0) return 0;
    // A silent stretch since the last sample lowers the rate, as it should: a stall shows as a falling speed.
    const bytes = this.samples.reduce((sum, s) => sum + s.bytes, 0);
    return (bytes * 1000) / span;
  }

  private forgetOld(): void {
    const oldest = this.now() - this.windowMs;
    while (this.samples.length > 0 && this.samples[0]!.t <= oldest) this.samples.shift();
  }
}

export function etaSeconds(remainingBytes: number, bytesPerSecond: number): number | null {
  if (remainingBytes <= 0) return 0;
  return bytesPerSecond > 0 ? remainingBytes / bytesPerSecond : null;
}
