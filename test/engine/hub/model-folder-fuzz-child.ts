// The model-folder fuzzer's child process (built and started by model-folder-fuzz.test.ts, with a heap cap):
// makes each seeded mutant of the base folders, imports it as Grove does (describe the folder, then copy it
// into a store), and prints one JSON line per mutant: what was mutated and how the import ended (ok, a
// GroveError's code, a raw error's class, or a timeout). A crash or a heap overflow ends the process; the
// "start" line printed before each mutant says which one did it.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { importModelFolder } from '../../../src/engine/hub/import';
import { storeModelFolder } from '../../../src/app/store/model-store';
import { GroveError } from '../../../src/shared/api/errors';
import { makeMutant } from './model-folder-mutants';

const [single, sharded, work, firstArg, countArg, capArg] = process.argv.slice(2) as [string, string, string, string, string, string];
const first = Number(firstArg);
const count = Number(countArg);
const capMs = Number(capArg);

function print(line: object): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function importMutant(folder: string, home: string): Promise<void> {
  await importModelFolder(folder);
  await storeModelFolder(home, folder, null);
}

for (let seed = first; seed < first + count; seed++) {
  const isSharded = seed % 4 === 3;
  const folder = join(work, `mutant-${seed}`);
  const mutation = makeMutant(isSharded ? sharded : single, folder, seed, isSharded);
  print({ start: seed, mutation });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), capMs)));
  const outcome = await Promise.race([
    importMutant(folder, join(work, `home-${seed}`)).then(
      () => ({ result: 'ok' }),
      (err: unknown) =>
        err instanceof GroveError
          ? { result: 'grove', code: err.code, message: err.message }
          : {
              result: 'raw',
              kind: err instanceof Error ? err.constructor.name : typeof err,
              message: err instanceof Error ? err.message : String(err),
            },
    ),
    timeout.then(() => ({ result: 'timeout' })),
  ]);
  clearTimeout(timer);
  print({ seed, mutation, ...outcome });
  // A hung import holds a thread of the pool, which process.exit would wait for: the parent sees the line and the signal.
  if (outcome.result === 'timeout') process.kill(process.pid, 'SIGKILL');
  rmSync(folder, { recursive: true, force: true });
  rmSync(join(work, `home-${seed}`), { recursive: true, force: true });
}
