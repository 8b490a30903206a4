// A growable Uint32Array for token ids, so encoding a long document allocates O(log n) times, not per token.

export class IdBuffer {
  private data: Uint32Array;
  length = 0;

  constructor(capacity = 1024) {
    this.data = new Uint32Array(capacity);
  }

  push(id: number): void {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data[this.length++] = id;
  }

  pushAll(ids: ArrayLike<number>): void {
    if (this.length + ids.length > this.data.length) this.grow(this.length + ids.length);
    for (let i = 0; i < ids.length; i++) this.data[this.length++] = ids[i]!;
  }

  /** A copy of the ids pushed so far, exactly `length` long. */
  toArray(): Uint32Array {
    return this.data.slice(0, this.length);
  }

  clear(): void {
    this.length = 0;
  }

  private grow(needed: number): void {
    const next = new Uint32Array(Math.max(needed, this.data.length * 2));
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }
}
