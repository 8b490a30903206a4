// The one durable write: the file is whole or absent, never half; two writers of the same file at once (two
// processes, or two calls in one) never share a temporary name, so one whole version wins; a failed write
// leaves no temporary file behind; a secret's mode holds whatever the umask.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TEMP_SUFFIX, tempPathFor, writeFileDurable, writeFileDurableSync } from '../../src/engine/durable-write';
import { buildChildScript } from '../helpers/child-script';
import { tempDir } from '../helpers/tmp';

let cleanup = (): void => undefined;
afterAll(() => cleanup());

describe('durable writes', () => {
  it('writes whole files, async and sync, with the mode asked for, and leaves no temporary file', async () => {
    const dir = tempDir();
    await writeFileDurable(join(dir, 'a.json'), '{"a":1}');
    writeFileDurableSync(join(dir, 'b.json'), '{"b":2}');
    await writeFileDurable(join(dir, 'secret'), 'token\n', { mode: 0o600 });
    expect(readFileSync(join(dir, 'a.json'), 'utf8')).toBe('{"a":1}');
    expect(readFileSync(join(dir, 'b.json'), 'utf8')).toBe('{"b":2}');
    expect(statSync(join(dir, 'secret')).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).sort()).toEqual(['a.json', 'b.json', 'secret']);
  });

  it('gives every write its own temporary name, which the cleanup of a folder recognises', () => {
    const names = new Set(Array.from({ length: 100 }, () => tempPathFor('/x/state.json')));
    expect(names.size).toBe(100);
    for (const n of names) expect(n).toMatch(TEMP_SUFFIX);
    expect(`/x/ckpt.tmp-${process.pid}`).toMatch(TEMP_SUFFIX); // a checkpoint folder being written
    expect('/x/notes.tmp.txt').not.toMatch(TEMP_SUFFIX);
  });

  it('lets many writers of one file race, in one process and in two, and the file is always one whole version', async () => {
    const dir = tempDir();
    const target = join(dir, 'graph.onnx');
    const version = (tag: string) => `${tag}:${'x'.repeat(200_000)}`;
    const built = await buildChildScript(join(import.meta.dirname, 'durable-write-child.ts'), 'durable-write-child');
    cleanup = built.cleanup;
    const child = (tag: string) =>
      new Promise<void>((resolve, reject) => {
        const p = spawn(process.execPath, [built.path, target, tag, '20'], { stdio: 'inherit' });
        p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer exited with ${code}`))));
      });
    await Promise.all([child('p1'), child('p2'), ...Array.from({ length: 20 }, (_, i) => writeFileDurable(target, version(`in${i}`)))]);
    const text = readFileSync(target, 'utf8');
    expect(text).toMatch(/^(p1|p2|in\d+):x{200000}$/);
    expect(readdirSync(dir)).toEqual(['graph.onnx']);
  });

  it('removes its temporary file when the write fails', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'occupied'));
    await expect(writeFileDurable(join(dir, 'occupied'), 'data')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['occupied']);
  });
});
