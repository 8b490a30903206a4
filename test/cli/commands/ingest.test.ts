// `grove ingest` as a user runs it: the built CLI on a folder, then `--report` from the catalog.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, groveBin } from '../../helpers/grove-process';
import { tempDir } from '../../helpers/tmp';
import { writeTestTokenizer } from '../../helpers/tokenizer';

const dir = tempDir();
const home = join(dir, 'home');
const folder = join(dir, 'notes');
let tokenizer = '';

beforeAll(async () => {
  assertBuilt();
  tokenizer = await writeTestTokenizer(dir);
  mkdirSync(folder, { recursive: true });
  for (let i = 0; i < 60; i++) writeFileSync(join(folder, `n${i}.md`), `# Note ${i}\n\nTrees in the forest number ${i * 31}; each expert learns its own domain.\n`.repeat(30));
  writeFileSync(join(folder, 'copy.md'), `# Note 3\n\nTrees in the forest number ${3 * 31}; each expert learns its own domain.\n`.repeat(30));
  writeFileSync(join(folder, 'blob.txt'), Buffer.from([0, 1, 2, 3, 0, 0, 255, 254, 0, 7]));
});

describe('grove ingest', () => {
  it('ingests a folder, prints the report and stores it in the catalog', () => {
    const out = execFileSync(process.execPath, [groveBin, '--home', home, 'ingest', folder, '--domain', 'notes', '--tokenizer', tokenizer], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).toMatch(/60 accepted|accepted\D+60/);
    const report = execFileSync(process.execPath, [groveBin, '--home', home, 'ingest', '--report', '--domain', 'notes'], { encoding: 'utf8' });
    expect(report).toMatch(/^n0\.md\taccepted/m);
    expect(report).toMatch(/^n3\.md\tskipped {3}duplicate of copy\.md/m);
    expect(report).toMatch(/^blob\.txt\tskipped {3}binary/m);
  });

  it('shows the default ignore list and takes extra patterns', () => {
    const list = execFileSync(process.execPath, [groveBin, 'ingest', '--show-ignore'], { encoding: 'utf8' });
    expect(list.split('\n')).toEqual(expect.arrayContaining(['node_modules/', '.*']));
    execFileSync(process.execPath, [groveBin, '--home', home, 'ingest', folder, '--domain', 'no-blobs', '--tokenizer', tokenizer, '--ignore', '*.txt'], { stdio: 'ignore' });
    const report = execFileSync(process.execPath, [groveBin, '--home', home, 'ingest', '--report', '--domain', 'no-blobs'], { encoding: 'utf8' });
    expect(report).toMatch(/^blob\.txt\tskipped {3}ignored by rule/m);
  });

  it('says what to do when there is no tokenizer yet', () => {
    const r = spawnSync(process.execPath, [groveBin, '--home', join(dir, 'empty-home'), 'ingest', folder, '--domain', 'x'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/No tokenizer at .*grove init.*--tokenizer/);
  });
});

describe('grove ingest shards', () => {
  it("end every document with the tokenizer's EOS token", async () => {
    const { readFileSync } = await import('node:fs');
    const manifest = JSON.parse(readFileSync(join(home, 'domains', 'notes', 'manifest.json'), 'utf8')) as { eosId: number | null };
    expect(manifest.eosId).toBe(0); // the test tokenizer's <|endoftext|>
  });
});
