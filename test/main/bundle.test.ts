// The Electron main process never runs tensor code (issue 13): its bundle's static imports, followed through
// the chunks it imports, never reach onnxruntime-node. (The one ONNX Runtime chunk is behind a dynamic import
// that only a service without an inference worker takes; main always gives it one, and the app's engine line,
// checked in the browser tests, then comes from the worker.) Reads the built bundle.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, repoRoot } from '../helpers/grove-process';

const entry = join(repoRoot, 'out/main/index.js');

/** Every module `file` imports statically (import ... from / export ... from / bare import), local chunks followed. */
function staticClosure(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^;'"()]*?from\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']/gm)) {
    const spec = m[1] ?? m[2]!;
    if (spec.startsWith('.')) staticClosure(resolve(dirname(file), spec), seen);
    else seen.add(spec);
  }
  return seen;
}

beforeAll(() => assertBuilt());

describe("Electron main's bundle", () => {
  it('imports no ONNX Runtime, statically or through its chunks', () => {
    expect(existsSync(entry)).toBe(true);
    const closure = staticClosure(entry);
    expect(closure.has('electron')).toBe(true); // the parse sees real imports
    expect([...closure].filter((m) => m.includes('onnxruntime'))).toEqual([]);
  });

  it('loads no document extractor at start-up: ingestion runs in the workers', () => {
    const extractors = ['mammoth', 'unpdf', 'linkedom', '@mozilla/readability', 'postal-mime', 'csv-parse'];
    expect([...staticClosure(entry)].filter((m) => extractors.includes(m))).toEqual([]);
  });
});
