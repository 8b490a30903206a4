// `grove ingest` as a user runs it: the built CLI on a folder, then `--report` from the catalog.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
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
  for (let i = 0; i < 60; i++)
    writeFileSync(
      join(folder, `n${i}.md`),
      `# Note ${i}\n\nTrees in the forest number ${i * 31}; each expert learns its own domain.\n`.repeat(30),
    );
  writeFileSync(
    join(folder, 'copy.md'),
    `# Note 3\n\nTrees in the forest number ${3 * 31}; each expert learns its own domain.\n`.repeat(30),
  );
  writeFileSync(join(folder, 'blob.txt'), Buffer.from([0, 1, 2, 3, 0, 0, 255, 254, 0, 7]));
});

describe('grove ingest', () => {
  it('ingests a folder, prints the report and stores it in the catalog', () => {
    const out = execFileSync(
      process.execPath,
      [groveBin, '--home', home, 'ingest', folder, '--domain', 'notes', '--tokenizer', tokenizer],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    expect(out).toMatch(/60 accepted|accepted\D+60/);
    const report = execFileSync(process.execPath, [groveBin, '--home', home, 'ingest', '--report', '--domain', 'notes'], {
      encoding: 'utf8',
    });
    expect(report).toMatch(/^n0\.md\taccepted/m);
    expect(report).toMatch(/^n3\.md\tskipped {3}duplicate of copy\.md/m);
    expect(report).toMatch(/^blob\.txt\tskipped {3}binary/m);
  });

  it('shows the default ignore list and takes extra patterns', () => {
    const list = execFileSync(process.execPath, [groveBin, 'ingest', '--show-ignore'], { encoding: 'utf8' });
    expect(list.split('\n')).toEqual(expect.arrayContaining(['node_modules/', '.*']));
    execFileSync(
      process.execPath,
      [groveBin, '--home', home, 'ingest', folder, '--domain', 'no-blobs', '--tokenizer', tokenizer, '--ignore', '*.txt'],
      { stdio: 'ignore' },
    );
    const report = execFileSync(process.execPath, [groveBin, '--home', home, 'ingest', '--report', '--domain', 'no-blobs'], {
      encoding: 'utf8',
    });
    expect(report).toMatch(/^blob\.txt\tskipped {3}ignored by rule/m);
  });

  it('says what to do when there is no tokenizer yet', () => {
    const r = spawnSync(process.execPath, [groveBin, '--home', join(dir, 'empty-home'), 'ingest', folder, '--domain', 'x'], {
      encoding: 'utf8',
    });
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

describe('grove ingest --report with hostile names and lost text', () => {
  it('keeps one row per file, escapes control and bidi characters, and shows the note on a document the cleanup cut', () => {
    const odd = join(dir, 'odd');
    mkdirSync(odd);
    for (let i = 0; i < 4; i++) writeFileSync(join(odd, `plain${i}.txt`), `Plain note ${i} about river trees and stones.\n`.repeat(40));
    writeFileSync(join(odd, 'line\nbreak.txt'), 'A name with a newline, still one row of the report.\n'.repeat(40));
    writeFileSync(join(odd, 'over\rwrite.txt'), 'A carriage return must not overwrite the row.\n'.repeat(40));
    writeFileSync(join(odd, 'evil\u202egnp.txt'), 'A right-to-left override must not reverse the row.\n'.repeat(40));
    // Text whose apostrophes and quotes are C1 controls (cp1252 once decoded as Latin-1, then saved as UTF-8).
    writeFileSync(join(odd, 'mangled.txt'), 'It\u0092s \u0093free\u0094, isn\u0092t it?\n'.repeat(40));
    // Exit status 3: ingested, but too little text to train on yet (this test is about the report).
    expect(
      spawnSync(process.execPath, [groveBin, '--home', home, 'ingest', odd, '--domain', 'odd', '--tokenizer', tokenizer], {
        stdio: 'ignore',
      }).status,
    ).toBe(3);
    const report = execFileSync(process.execPath, [groveBin, '--home', home, 'ingest', '--report', '--domain', 'odd'], {
      encoding: 'utf8',
    });
    expect(report).not.toMatch(/[\r\u202e\u0092]/);
    const rows = report.trimEnd().split('\n');
    expect(rows).toHaveLength(8);
    expect(rows).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^line\\nbreak\.txt\taccepted/),
        expect.stringMatching(/^over\\rwrite\.txt\taccepted/),
        expect.stringMatching(/^evil\\u202egnp\.txt\taccepted/),
      ]),
    );
    expect(rows.find((r) => r.startsWith('mangled.txt'))).toMatch(
      /\taccepted .* note: 160 control characters \(.*U\+0092 ×80.*\) were removed; .*encoding/,
    );
  });
});

describe('grove ingest on folders with nothing to train on', () => {
  it('registers no domain and leaves no folder for an empty or junk-only folder', () => {
    const empty = join(dir, 'empty');
    const junk = join(dir, 'junk');
    mkdirSync(empty);
    mkdirSync(junk);
    writeFileSync(join(junk, 'x.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13]));
    writeFileSync(join(junk, 'y.txt'), '');
    for (const [folder, why] of [
      [empty, /it holds no files/],
      [junk, /2 files skipped \(1 binary, 1 empty\)\. x\.png: It is a PNG image/],
    ] as const) {
      const r = spawnSync(process.execPath, [groveBin, '--home', home, 'ingest', folder, '--domain', 'nothing', '--tokenizer', tokenizer], {
        encoding: 'utf8',
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^grove: Nothing to train on in /m);
      expect(r.stderr).toMatch(why);
      expect(existsSync(join(home, 'domains', 'nothing'))).toBe(false);
      const report = spawnSync(process.execPath, [groveBin, '--home', home, 'ingest', '--report', '--domain', 'nothing'], {
        encoding: 'utf8',
      });
      expect(report.stderr).toMatch(/No domain "nothing"/);
    }
  });
});

describe('grove ingest --domain with a name that is not a name', () => {
  it('refuses traversal, separators, hidden and absolute names and very long names before writing anything', () => {
    const outside = join(dir, 'outside');
    mkdirSync(outside);
    for (const name of ['../x', `../../${'outside'}/x`, 'a/b', '..', '.hidden', join(outside, 'abs'), 'a\nb', 'x'.repeat(65)]) {
      const r = spawnSync(process.execPath, [groveBin, '--home', home, 'ingest', folder, '--domain', name, '--tokenizer', tokenizer], {
        encoding: 'utf8',
      });
      expect(r.status, name).toBe(1);
      expect(r.stderr, name).toMatch(/cannot be a domain name: (use letters, digits|it is 65 characters long)/);
    }
    expect(existsSync(join(home, 'x'))).toBe(false);
    expect(existsSync(join(home, 'domains', 'a'))).toBe(false);
    expect(existsSync(join(outside, 'x'))).toBe(false);
    expect(existsSync(join(outside, 'abs'))).toBe(false);
  });
});
