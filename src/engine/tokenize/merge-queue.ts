// Max-heap of candidate merges for BPE training, ordered as HF's trainer orders them: count desc, then pair asc.

export interface MergeCandidate {
  /** Occurrences (weighted by word count) when the entry was pushed; re-checked when popped. */
  count: number;
  /** The pair packed as a * PAIR_BASE + b, so comparing keys compares (a, b) lexicographically. */
  readonly pair: number;
  /** Indices of the words that held the pair when the entry was pushed. */
  readonly words: ReadonlySet<number>;
}

function before(x: MergeCandidate, y: MergeCandidate): boolean {
  return x.count !== y.count ? x.count > y.count : x.pair < y.pair;
}

export class MergeQueue {
  private readonly heap: MergeCandidate[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(entry: MergeCandidate): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(entry);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(entry, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = entry;
  }

  pop(): MergeCandidate | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    let i = 0;
    const n = heap.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && before(heap[r]!, heap[l]!) ? r : l;
      if (!before(heap[child]!, last)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}
