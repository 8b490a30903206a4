// The model Grove trains on Brown text with trainBrownModel's defaults (src/bench/brown-model.ts), which the GGUF
// export and quantization tests measure: trained once per test run, by the first file that asks, in the run's
// shared folder (run-shared.ts, the node project's global setup); a file that asks while it trains waits for it.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';
import { brownTokenizer, openBrownTokenizer, trainBrownModel, type BrownTokenizer } from '../../src/bench/brown-model';
import type { ModelConfig } from '../../src/engine/model/config';

export interface SharedBrownModel {
  brown: BrownTokenizer;
  /** The trained model's folder: read it, never write into it (other files read it too). */
  folder: string;
  /** Its last training loss. */
  loss: number;
  config: ModelConfig;
}

/** How long a file waits for another to finish training: the training takes about 20 s on a busy 2-core machine. */
const WAIT_MS = 300_000;

export async function sharedBrownModel(): Promise<SharedBrownModel> {
  const root = inject('runSharedDir');
  if (!root) throw new Error('sharedBrownModel needs the run-shared folder: run the file in the node project (vitest.config.ts)');
  const dir = join(root, 'brown-model');
  const done = join(dir, 'done.json');
  const failed = join(root, 'brown-model.failed');
  let mine = true;
  try {
    mkdirSync(dir); // the folder is the lock: the one file whose mkdir succeeds trains
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    mine = false;
  }
  if (mine) {
    try {
      const brown = await brownTokenizer(dir);
      const { loss, config } = await trainBrownModel(brown, join(dir, 'run'), join(dir, 'trained'));
      writeFileSync(`${done}.partial`, JSON.stringify({ loss, config }));
      renameSync(`${done}.partial`, done);
    } catch (err) {
      writeFileSync(failed, err instanceof Error ? (err.stack ?? err.message) : String(err));
      throw err;
    }
  } else {
    const deadline = Date.now() + WAIT_MS;
    while (!existsSync(done)) {
      if (existsSync(failed))
        throw new Error(`The shared Brown model failed to train in another test file:\n${readFileSync(failed, 'utf8')}`);
      if (Date.now() > deadline) throw new Error(`The shared Brown model was not trained in ${WAIT_MS / 1000} s (${dir})`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  const { loss, config } = JSON.parse(readFileSync(done, 'utf8')) as { loss: number; config: ModelConfig };
  return { brown: await openBrownTokenizer(dir), folder: join(dir, 'trained'), loss, config };
}
