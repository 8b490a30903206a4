// A fuzzer of model folders, run in CI (issue 12, item 14): a few hundred seeded mutants of a small valid
// model folder (single file and sharded; config keys, tensors, headers, files: see model-folder-mutants.ts)
// are imported one by one in a child process with a heap cap and a time cap per mutant. Every mutant must end
// in success or a GroveError with a message: never a raw TypeError/RangeError, never a hang, never a crash.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildChildScript } from '../../helpers/child-script';
import { tempDir } from '../../helpers/tmp';
import { writeTinyModel } from './tiny-model';

// CI runs seeds 1..300 (about 10 s); a longer hunt: GROVE_FUZZ_MUTANTS=5000 GROVE_FUZZ_SEED=1000 npx vitest run <this file>.
const MUTANTS = Number(process.env.GROVE_FUZZ_MUTANTS ?? 300);
const FIRST_SEED = Number(process.env.GROVE_FUZZ_SEED ?? 1);
/** Per mutant: a tiny folder imports in milliseconds; only a hang comes near this. */
const CAP_MS = 10_000;
/** The child's V8 heap: the valid folder needs a few MB, so a mutant that makes Grove allocate by a claimed size fails here. */
const HEAP_MB = 256;

const dir = tempDir('grove-fuzz-');
let cleanup = (): void => undefined;
afterAll(() => cleanup());

/** The child as plain JS (test/helpers/child-script.ts). */
async function buildChild(): Promise<string> {
  const built = await buildChildScript(join(import.meta.dirname, 'model-folder-fuzz-child.ts'), 'fuzz-child');
  cleanup = built.cleanup;
  return built.path;
}

interface Outcome {
  seed: number;
  mutation: string;
  result: 'ok' | 'grove' | 'raw' | 'timeout';
  code?: string;
  kind?: string;
  message?: string;
}

function runChild(
  child: string,
  single: string,
  sharded: string,
): Promise<{ lines: Array<Outcome | { start: number; mutation: string }>; code: number | null; signal: string | null; stderr: string }> {
  return new Promise((done) => {
    const p = spawn(
      process.execPath,
      [`--max-old-space-size=${HEAP_MB}`, child, single, sharded, join(dir, 'work'), String(FIRST_SEED), String(MUTANTS), String(CAP_MS)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // The per-mutant cap ends the child on a hang; this is for a hang the child cannot see (a blocked main thread).
    const guard = setTimeout(() => p.kill('SIGKILL'), 100_000 + MUTANTS * 100);
    p.on('close', () => clearTimeout(guard));
    p.on('close', (code, signal) =>
      done({
        lines: out
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Outcome),
        code,
        signal,
        stderr,
      }),
    );
  });
}

describe('model folder fuzzer', () => {
  it(
    `imports ${MUTANTS} seeded mutants: each ends in success or a GroveError with a message`,
    { timeout: 120_000 + MUTANTS * 100 },
    async () => {
      const single = join(dir, 'single');
      const sharded = join(dir, 'sharded');
      await writeTinyModel(single, { dtype: 'F32' });
      await writeTinyModel(sharded, { sharded: true });
      const child = await buildChild();
      const { lines, code, signal, stderr } = await runChild(child, single, sharded);

      const outcomes = lines.filter((l): l is Outcome => 'result' in l);
      const byClass = new Map<string, number>();
      for (const o of outcomes) {
        const key = o.result === 'grove' ? `GroveError ${o.code}` : o.result === 'raw' ? `raw ${o.kind}` : o.result;
        byClass.set(key, (byClass.get(key) ?? 0) + 1);
      }
      console.log(`model-folder fuzz: ${outcomes.length} mutants; ${[...byClass].map(([k, n]) => `${k}: ${n}`).join(', ')}`);

      const last = lines.at(-1);
      const crashed =
        code !== 0 ? `the child ended with ${signal ?? `code ${code}`} during ${JSON.stringify(last)}: ${stderr.slice(-2000)}` : '';
      expect(crashed).toBe('');
      expect(outcomes.filter((o) => o.result === 'raw' || o.result === 'timeout')).toEqual([]);
      for (const o of outcomes.filter((x) => x.result === 'grove')) expect(o.message?.length ?? 0, o.mutation).toBeGreaterThan(20);
      expect(outcomes).toHaveLength(MUTANTS);
      // The fuzzer must exercise both paths: most mutants refused, some harmless ones imported.
      expect(byClass.get('ok') ?? 0).toBeGreaterThan(0);
      expect(outcomes.length - (byClass.get('ok') ?? 0)).toBeGreaterThan(MUTANTS / 2);
    },
  );
});
