// The next export into a folder removes what an export that died there left half-written, and only that.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeAtomically } from '../../../src/engine/export/output';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();

describe('writeAtomically', () => {
  it("removes a dead export's temporary files from the destination folder, and keeps a live one's", async () => {
    const out = join(dir, 'exports');
    mkdirSync(out);
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const stale = join(out, `.old.gguf.grove-export-${dead}-12345678`);
    const live = join(out, `.other.gguf.grove-export-${process.ppid}-12345678`);
    writeFileSync(stale, 'half');
    writeFileSync(live, 'being written');
    await writeAtomically(join(out, 'new.gguf'), 'file', {}, (temp) => writeFile(temp, 'whole'));
    expect(readFileSync(join(out, 'new.gguf'), 'utf8')).toBe('whole');
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(live)).toBe(true);
  });
});
