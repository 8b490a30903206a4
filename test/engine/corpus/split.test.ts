// Split: deterministic per seed, stable when files are added, never an empty valid/test split, per piece for few documents.
import { describe, expect, it } from 'vitest';
import { planSplit, type SplitDoc } from '../../../src/engine/corpus/split';

const s = { seed: 7, validFraction: 0.1, testFraction: 0.1, minDocumentsToSplitByDocument: 20 };
const docs = (n: number): SplitDoc[] => Array.from({ length: n }, (_, i) => ({ path: `doc${i}.txt`, tokens: 1000, pieces: 2 }));
const count = (plan: ReturnType<typeof planSplit>, split: string): number =>
  [...plan.pieces.values()].flat().filter((x) => x === split).length;

describe('planSplit', () => {
  it('splits by document with roughly the asked fractions, the same way every time', () => {
    const plan = planSplit(docs(1000), s);
    expect(plan.by).toBe('document');
    for (const list of plan.pieces.values()) expect(new Set(list).size).toBe(1);
    expect(count(plan, 'valid') / 2000).toBeGreaterThan(0.07);
    expect(count(plan, 'valid') / 2000).toBeLessThan(0.13);
    expect(count(plan, 'test') / 2000).toBeGreaterThan(0.07);
    expect(planSplit(docs(1000), s)).toEqual(plan);
    expect(planSplit(docs(1000), { ...s, seed: 8 })).not.toEqual(plan);
  });

  it('keeps every document in its split when others are added', () => {
    const before = planSplit(docs(100), s);
    const after = planSplit(docs(150), s);
    let moved = 0;
    for (const [path, list] of before.pieces) if (after.pieces.get(path)![0] !== list[0]) moved++;
    expect(moved).toBeLessThanOrEqual(2); // only the borrowed minimum, if any, can move
  });

  it('splits per piece with few documents or one dominant document, and fills valid and test', () => {
    const few = planSplit([{ path: 'book.txt', tokens: 50_000, pieces: 5 }], s);
    expect(few.by).toBe('piece');
    expect(count(few, 'valid')).toBe(1);
    expect(count(few, 'test')).toBe(1);
    expect(count(few, 'train')).toBe(3);
    const dominant = planSplit([...docs(30), { path: 'huge.txt', tokens: 1e6, pieces: 50 }], s);
    expect(dominant.by).toBe('piece');
  });

  it('leaves valid and test empty below three units instead of taking all the training text', () => {
    const two = planSplit([{ path: 'a.txt', tokens: 10, pieces: 2 }], s);
    expect(count(two, 'train')).toBeGreaterThanOrEqual(1);
  });
});
