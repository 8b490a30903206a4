// The BPE model of tokenizer.json (HF `models::bpe`): word -> symbols -> lowest-rank merges first -> ids.
import { GroveError } from '../../shared/api/errors';
import { BYTE_TO_CHAR, toByteLevel } from './byte-level';
import type { IdBuffer } from './id-buffer';

export interface BpeOptions {
  unkToken: string | null;
  fuseUnk: boolean;
  byteFallback: boolean;
  ignoreMerges: boolean;
  /** Words arrive as raw text and are mapped to byte-level characters here (ByteLevel pre-tokenizer). */
  byteLevelInput: boolean;
}

/** Heap keys pack (rank, position) into one number: lower rank first, then leftmost, as HF's `Merge` orders them. */
const POS_SLOTS = 2 ** 26;
/** HF caches words shorter than this many bytes; longer ones (whole SentencePiece segments) are not worth it. */
const CACHE_MAX_WORD = 256;
const CACHE_CAPACITY = 200_000;
const utf8 = new TextEncoder();

export class BpeModel {
  private readonly mergeRank = new Map<number, number>();
  private readonly mergeNewId: Int32Array;
  private readonly pairBase: number;
  /** Id of the vocabulary entry for each byte: its byte-level character, or -1 when the vocabulary lacks it. */
  private readonly byteLevelIds = new Int32Array(256).fill(-1);
  /** Id of "<0xXX>" for each byte (byte fallback), or -1. */
  private readonly fallbackIds = new Int32Array(256).fill(-1);
  private readonly unkId: number;
  private readonly cache = new Map<string, number | Uint32Array>();
  // Scratch symbol list (HF `Word`), reused across words: id, prev, next, removed flag via len.
  private c = new Int32Array(64);
  private prev = new Int32Array(64);
  private next = new Int32Array(64);
  private len = new Int32Array(64);
  private count = 0;

  constructor(
    readonly vocab: ReadonlyMap<string, number>,
    merges: ReadonlyArray<readonly [string, string]>,
    private readonly options: BpeOptions,
  ) {
    let maxId = 0;
    for (const id of vocab.values()) maxId = Math.max(maxId, id);
    this.pairBase = maxId + 1;
    this.mergeNewId = new Int32Array(merges.length);
    merges.forEach(([a, b], rank) => {
      const ia = vocab.get(a);
      const ib = vocab.get(b);
      const merged = vocab.get(a + b);
      if (ia === undefined || ib === undefined || merged === undefined) {
        const missing = ia === undefined ? a : ib === undefined ? b : a + b;
        throw new GroveError(
          'bad_input',
          `tokenizer.json model.merges[${rank}] ("${a}" "${b}") uses "${missing}", which is not in model.vocab; the file is inconsistent.`,
          {
            field: `model.merges[${rank}]`,
          },
        );
      }
      // A repeated pair keeps its last rank, as HF's HashMap collect does.
      this.mergeRank.set(ia * this.pairBase + ib, rank);
      this.mergeNewId[rank] = merged;
    });
    for (let b = 0; b < 256; b++) {
      this.byteLevelIds[b] = vocab.get(BYTE_TO_CHAR[b]!) ?? -1;
      this.fallbackIds[b] = vocab.get(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`) ?? -1;
    }
    const unk = options.unkToken;
    this.unkId = unk === null ? -1 : (vocab.get(unk) ?? -1);
    if (unk !== null && this.unkId < 0) {
      throw new GroveError('bad_input', `tokenizer.json model.unk_token "${unk}" is not in model.vocab; the file is inconsistent.`, {
        field: 'model.unk_token',
      });
    }
  }

  /** Appends the ids of one pre-tokenized word to `out`. */
  encodeWord(word: string, out: IdBuffer): void {
    if (word.length === 0) return;
    const cached = this.cache.get(word);
    if (cached !== undefined) {
      if (typeof cached === 'number') out.push(cached);
      else out.pushAll(cached);
      return;
    }
    if (this.options.ignoreMerges) {
      const whole = this.vocab.get(this.options.byteLevelInput ? toByteLevel(word) : word);
      if (whole !== undefined) {
        out.push(whole);
        return;
      }
    }
    this.count = 0;
    if (this.options.byteLevelInput) this.addByteLevelSymbols(word);
    else this.addCharSymbols(word);
    this.mergeAll();
    const start = out.length;
    for (let i = 0; i < this.count; i++) if (this.len[i] !== 0) out.push(this.c[i]!);
    if (word.length < CACHE_MAX_WORD) {
      if (this.cache.size >= CACHE_CAPACITY) this.cache.clear();
      const n = out.length - start;
      if (n === 1) this.cache.set(word, this.c[firstLive(this.len, this.count)]!);
      else {
        const ids = new Uint32Array(n);
        for (let i = 0, j = 0; i < this.count; i++) if (this.len[i] !== 0) ids[j++] = this.c[i]!;
        this.cache.set(word, ids);
      }
    }
  }

  private addSymbol(id: number, len: number): void {
    if (this.count === this.c.length) this.growScratch();
    const i = this.count++;
    this.c[i] = id;
    this.len[i] = len;
    this.prev[i] = i - 1;
    this.next[i] = i + 1; // fixed to -1 for the last symbol in mergeAll
  }

  private growScratch(): void {
    const grow = (a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(a.length * 2);
      b.set(a);
      return b;
    };
    this.c = grow(this.c);
    this.prev = grow(this.prev);
    this.next = grow(this.next);
    this.len = grow(this.len);
  }

  /** One symbol per UTF-8 byte; bytes whose character is missing from the vocabulary go the unknown-character way. */
  private addByteLevelSymbols(word: string): void {
    let ascii = true;
    for (let i = 0; i < word.length; i++) if (word.charCodeAt(i) >= 0x80) ascii = false;
    const bytes: ArrayLike<number> = ascii ? { length: word.length } : utf8.encode(word);
    const pending = { id: -1, len: 0 };
    for (let i = 0; i < bytes.length; i++) {
      const b = ascii ? word.charCodeAt(i) : bytes[i]!;
      const id = this.byteLevelIds[b]!;
      if (id >= 0) {
        this.flushUnk(pending);
        this.addSymbol(id, 1);
      } else this.unknownChar(BYTE_TO_CHAR[b]!, 1, pending);
    }
    this.flushUnk(pending);
  }

  /** One symbol per character (SentencePiece-style vocabularies), with byte fallback or <unk> for the rest. */
  private addCharSymbols(word: string): void {
    const pending = { id: -1, len: 0 };
    for (const ch of word) {
      const byteLen = utf8Length(ch);
      const id = this.vocab.get(ch);
      if (id !== undefined) {
        this.flushUnk(pending);
        this.addSymbol(id, byteLen);
      } else this.unknownChar(ch, byteLen, pending);
    }
    this.flushUnk(pending);
  }

  /** HF `merge_word` for a character not in the vocabulary: byte fallback, else (fused) unk, else dropped. */
  private unknownChar(ch: string, byteLen: number, pending: { id: number; len: number }): void {
    if (this.options.byteFallback) {
      const bytes = utf8.encode(ch);
      const ids = Array.from(bytes, (b) => this.fallbackIds[b]!);
      if (ids.every((id) => id >= 0)) {
        // HF does not flush a pending unk here; keep its order.
        for (const id of ids) this.addSymbol(id, 1);
        return;
      }
    }
    if (this.unkId < 0) return;
    if (pending.id >= 0 && this.options.fuseUnk) pending.len += byteLen;
    else {
      this.flushUnk(pending);
      pending.id = this.unkId;
      pending.len = byteLen;
    }
  }

  private flushUnk(pending: { id: number; len: number }): void {
    if (pending.id < 0) return;
    this.addSymbol(pending.id, pending.len);
    pending.id = -1;
  }

  /** HF `Word::merge_all`: a min-heap of (rank, pos); stale entries are skipped by checking the pair's new id. */
  private mergeAll(): void {
    const n = this.count;
    if (n === 0) return;
    if (n >= POS_SLOTS) {
      throw new GroveError(
        'bad_input',
        `A single pre-tokenized word of ${n} symbols is too long to merge; split the text into smaller documents.`,
        { symbols: n },
      );
    }
    this.next[n - 1] = -1;
    if (n === 1) return;
    const { c, prev, next, len, mergeRank, mergeNewId, pairBase } = this;
    const heap: number[] = [];
    for (let i = 0; i + 1 < n; i++) {
      const rank = mergeRank.get(c[i]! * pairBase + c[i + 1]!);
      if (rank !== undefined) heapPush(heap, rank * POS_SLOTS + i);
    }
    while (heap.length > 0) {
      const top = heapPop(heap);
      const rank = Math.floor(top / POS_SLOTS);
      const pos = top - rank * POS_SLOTS;
      if (len[pos] === 0) continue;
      const right = next[pos]!;
      if (right === -1) continue;
      const current = mergeRank.get(c[pos]! * pairBase + c[right]!);
      const newId = mergeNewId[rank]!;
      if (current === undefined || mergeNewId[current] !== newId) continue;
      c[pos] = newId;
      len[pos] = len[pos]! + len[right]!;
      next[pos] = next[right]!;
      len[right] = 0;
      const after = next[pos]!;
      if (after !== -1) prev[after] = pos;
      const before = prev[pos]!;
      if (before >= 0) {
        const r = mergeRank.get(c[before]! * pairBase + newId);
        if (r !== undefined) heapPush(heap, r * POS_SLOTS + before);
      }
      if (after !== -1) {
        const r = mergeRank.get(newId * pairBase + c[after]!);
        if (r !== undefined) heapPush(heap, r * POS_SLOTS + pos);
      }
    }
  }
}

function firstLive(len: Int32Array, count: number): number {
  for (let i = 0; i < count; i++) if (len[i] !== 0) return i;
  return 0;
}

function utf8Length(ch: string): number {
  const cp = ch.codePointAt(0)!;
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

function heapPush(heap: number[], key: number): void {
  let i = heap.length;
  heap.push(key);
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (heap[parent]! <= key) break;
    heap[i] = heap[parent]!;
    i = parent;
  }
  heap[i] = key;
}

function heapPop(heap: number[]): number {
  const top = heap[0]!;
  const last = heap.pop()!;
  const n = heap.length;
  if (n > 0) {
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && heap[r]! < heap[l]! ? r : l;
      if (heap[child]! >= last) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
  }
  return top;
}
