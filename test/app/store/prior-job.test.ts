// Which text a cached prior reads (targetShards): a domain's held-out (valid) split, or, where that split is
// shorter than one window, its training text, and then a note says so (an expert trained on that text is
// favoured by it: btm-fidelity.md, finding 4). Real ingests of two folders, one too small to hold a valid window.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ByteTokenizer } from '../../../src/engine/corpus/byte-tokenizer';
import { ingestFolder } from '../../../src/engine/corpus/ingest';
import { readManifest, splitShards } from '../../../src/engine/corpus/manifest';
import { targetShards } from '../../../src/app/store/prior-job';
import { tempDir } from '../../helpers/tmp';
import { prose } from '../../engine/corpus/fixtures';

const dir = tempDir();

/** Ingests `documents` files of `words` words each as a domain; returns its folder. */
async function domain(name: string, documents: number, words: number): Promise<string> {
  const folder = join(dir, 'src', name);
  mkdirSync(folder, { recursive: true });
  // Distinct documents (the corpus tests' seeded prose), or deduplication would keep only one.
  for (let i = 0; i < documents; i++) writeFileSync(join(folder, `doc-${i}.txt`), prose(words, 100 + i));
  const out = join(dir, 'domains', name);
  await ingestFolder({ folder, out, tokenizer: new ByteTokenizer(), settings: { minTrainTokens: 10 } });
  return out;
}

describe('targetShards', () => {
  it('reads the valid split where it holds a window, and says so where it falls back to the training text', async () => {
    const big = await domain('big', 20, 400);
    const small = await domain('small', 10, 30);
    const notes: string[] = [];
    const bigFiles = await targetShards({ kind: 'domains', dirs: [big] }, 256, undefined, (line) => notes.push(line));
    expect(bigFiles.length).toBeGreaterThan(0);
    const valid = splitShards(big, await readManifest(big), 'valid').map((f) => f.path);
    expect(bigFiles.map((f) => f.path).every((p) => valid.includes(p))).toBe(true);
    expect(notes).toEqual([]);

    // A window as long as its valid split: that split no longer holds one.
    const window = (await readManifest(small)).splits.valid.tokens;
    expect(window).toBeGreaterThan(0);
    const smallFiles = await targetShards({ kind: 'domains', dirs: [small] }, window, undefined, (line) => notes.push(line));
    const train = splitShards(small, await readManifest(small), 'train').map((f) => f.path);
    expect(smallFiles.length).toBeGreaterThan(0);
    expect(smallFiles.map((f) => f.path).every((p) => train.includes(p))).toBe(true);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(
      new RegExp(
        `^small: its held-out \\(valid\\) split has ${window} tokens, not more than one window of ${window}; the prior is estimated on its training text`,
      ),
    );
  });
});
