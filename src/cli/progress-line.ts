// One progress line for long CLI work: rewritten in place on a terminal, printed every few seconds
// otherwise (logs, CI), and always finished with a newline.
export class ProgressLine {
  private lastPrint = 0;
  private shown = false;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly intervalMs = stream.isTTY ? 100 : 5000,
  ) {}

  update(text: string, force = false): void {
    const now = Date.now();
    if (!force && now - this.lastPrint < this.intervalMs) return;
    this.lastPrint = now;
    if (this.stream.isTTY) {
      const width = this.stream.columns ?? 100;
      this.stream.write(`\r${text.slice(0, width - 1).padEnd(width - 1)}`);
      this.shown = true;
    } else {
      this.stream.write(`${text}\n`);
    }
  }

  done(text?: string): void {
    if (text) this.update(text, true);
    if (this.shown) this.stream.write('\n');
    this.shown = false;
  }
}

export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return 'ETA –';
  const s = Math.round(seconds);
  return s < 60
    ? `ETA ${s}s`
    : s < 3600
      ? `ETA ${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
      : `ETA ${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
