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

/** Turns per-chunk byte counts into throttled DownloadProgress reports; file starts and ends always report. */
export class ProgressReporter {
  /** Bytes over all files Grove needs; grows once a sharded checkpoint's index names its shards. */
  bytesTotal = 0;
  fileCount = 0;
  private readonly rate = new TransferRate();
  private doneBefore = 0;
  private lastReport = -Infinity;
  private file = { path: '', index: 0, size: 0 };

  constructor(
    private readonly about: Pick<DownloadProgress, 'repoId' | 'revision' | 'commit'>,
    private readonly onProgress: ((progress: DownloadProgress) => void) | undefined,
    private readonly intervalMs: number,
  ) {}

  add(files: ReadonlyArray<{ size: number }>): void {
    this.bytesTotal += files.reduce((sum, f) => sum + f.size, 0);
    this.fileCount += files.length;
  }

  startFile(path: string, index: number, size: number): void {
    this.file = { path, index, size };
    this.report(0, true);
  }

  /** `fileBytesDone` of the current file are present, `received` of them just came from the network. */
  bytes(fileBytesDone: number, received: number): void {
    if (received > 0) this.rate.add(received);
    this.report(fileBytesDone, false);
  }

  endFile(): void {
    this.report(this.file.size, true);
    this.doneBefore += this.file.size;
  }

  private report(fileBytesDone: number, force: boolean): void {
    const now = performance.now();
    if (!this.onProgress || (!force && now - this.lastReport < this.intervalMs)) return;
    this.lastReport = now;
    const bytesDone = this.doneBefore + fileBytesDone;
    const bytesPerSecond = this.rate.bytesPerSecond();
    this.onProgress({
      ...this.about,
      file: this.file.path,
      fileIndex: this.file.index,
      fileCount: this.fileCount,
      fileBytesDone,
      fileBytesTotal: this.file.size,
      bytesDone,
      bytesTotal: this.bytesTotal,
      bytesPerSecond,
      etaSeconds: etaSeconds(this.bytesTotal - bytesDone, bytesPerSecond),
    });
  }
}

export function etaSeconds(remainingBytes: number, bytesPerSecond: number): number | null {
  if (remainingBytes <= 0) return 0;
  return bytesPerSecond > 0 ? remainingBytes / bytesPerSecond : null;
}
