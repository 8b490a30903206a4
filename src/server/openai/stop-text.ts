// Stop sequences over streamed text: generated text is released as it comes, except a tail that could still
// be the start of a stop sequence, which is held until the next text shows whether it is. When a stop sequence
// appears (anywhere, also inside one token's text or across tokens), the text before it is released and the
// rest dropped. Each piece of text can carry items (its tokens' log-probabilities), released with its text.
export interface Released<T> {
  text: string;
  items: T[];
  /** A stop sequence was reached: nothing after this is to be shown. */
  stopped: boolean;
}

export class StopText<T> {
  private held = '';
  /**
   * Items of pieces not wholly released, with where their text starts and ends in `held` (a start below 0: part
   * of the piece's text was released already).
   */
  private heldItems: { start: number; end: number; items: T[] }[] = [];
  private stopped = false;

  constructor(private readonly stops: readonly string[]) {
    if (stops.some((s) => s === '')) throw new Error('StopText: a stop sequence cannot be empty.');
  }

  push(text: string, items: T[] = []): Released<T> {
    if (this.stopped) return { text: '', items: [], stopped: true };
    this.heldItems.push({ start: this.held.length, end: this.held.length + text.length, items });
    this.held += text;
    const at = this.firstStop();
    if (at >= 0) {
      this.stopped = true;
      // The tokens that wrote text before the stop sequence keep their items; those that only wrote it do not.
      const kept = this.heldItems.filter((p) => p.start < at);
      const out = { text: this.held.slice(0, at), items: kept.flatMap((p) => p.items), stopped: true };
      this.held = '';
      this.heldItems = [];
      return out;
    }
    return this.release(this.held.length - this.partialTail());
  }

  /** The end of the text: whatever was held back is released (no stop sequence can complete any more). */
  flush(): Released<T> {
    if (this.stopped) return { text: '', items: [], stopped: true };
    return this.release(this.held.length);
  }

  private release(upTo: number): Released<T> {
    const text = this.held.slice(0, upTo);
    const done = this.heldItems.filter((p) => p.end <= upTo);
    this.heldItems = this.heldItems.filter((p) => p.end > upTo).map((p) => ({ start: p.start - upTo, end: p.end - upTo, items: p.items }));
    this.held = this.held.slice(upTo);
    return { text, items: done.flatMap((p) => p.items), stopped: false };
  }

  /** Where the first stop sequence starts in the held text; -1 when none is there. */
  private firstStop(): number {
    let first = -1;
    for (const s of this.stops) {
      const i = this.held.indexOf(s);
      if (i >= 0 && (first < 0 || i < first)) first = i;
    }
    return first;
  }

  /** The length of the longest tail of the held text that begins some stop sequence. */
  private partialTail(): number {
    let longest = 0;
    for (const s of this.stops) {
      for (let n = Math.min(s.length - 1, this.held.length); n > longest; n--) {
        if (this.held.endsWith(s.slice(0, n))) {
          longest = n;
          break;
        }
      }
    }
    return longest;
  }
}
