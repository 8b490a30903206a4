// Training checkpoints: parameters + optimizer state (one safetensors file) and the loop's state (JSON),
// in a folder per step. A checkpoint is written into a temporary folder, every file fsynced, then the
// folder is renamed into place; on load its tensors file is checked against the sha256 in its state, so
// a half-written or damaged checkpoint is never trusted (the previous one is used instead), and never
// counts towards the ones kept. A temporary folder a dead writer left is removed by the run's next writer.
import { mkdir, readdir, readFile, rename, rm, stat, writeFile, open } from 'node:fs/promises';
import { join } from 'node:path';
import { SafetensorsFile, type TensorReader } from '../model/safetensors';
import { syncFolder, writeSafetensors, type TensorToWrite } from '../model/safetensors-write';
import { TEMP_SUFFIX } from '../durable-write';
import { sha256File } from '../file-hash';

export const TENSORS_FILE = 'state.safetensors';
export const STATE_FILE = 'state.json';
/** The checkpoints' folder inside a run folder. */
export const CHECKPOINTS_DIR = 'checkpoints';
const PREFIX = 'step-';

export interface LoopState {
  /** Steps completed; the next step to run is this one (0-based). */
  step: number;
  tokens: number;
  /** Best validation loss so far and how many evaluations since it improved (early stopping). */
  bestValidLoss: number | null;
  evalsSinceBest: number;
  /** Seconds the loop has run so far, over every resume (a time budget counts them); absent in older checkpoints. */
  elapsedSeconds?: number;
}

interface StateFile extends LoopState {
  format: 'grove-checkpoint/1';
  tensorsSha256: string;
  tensorsBytes: number;
  savedAt: string;
}

export interface LoadedCheckpoint {
  dir: string;
  state: LoopState;
  tensors: TensorReader;
}

function stepDir(root: string, step: number): string {
  return join(root, `${PREFIX}${String(step).padStart(9, '0')}`);
}

async function writeDurable(path: string, text: string): Promise<void> {
  await writeFile(path, text);
  const fh = await open(path, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Writes the checkpoint for `state.step` under `root`, then keeps only the newest `keep`. */
export async function saveCheckpoint(root: string, state: LoopState, tensors: readonly TensorToWrite[], keep = 2): Promise<string> {
  await mkdir(root, { recursive: true });
  const final = stepDir(root, state.step);
  const temp = `${final}.tmp-${process.pid}`;
  await rm(temp, { recursive: true, force: true });
  await mkdir(temp);
  const written = await writeSafetensors(join(temp, TENSORS_FILE), tensors);
  const file: StateFile = {
    format: 'grove-checkpoint/1',
    ...state,
    tensorsSha256: written.sha256,
    tensorsBytes: written.bytes,
    savedAt: new Date().toISOString(),
  };
  await writeDurable(join(temp, STATE_FILE), `${JSON.stringify(file, null, 2)}\n`);
  await syncFolder(temp);
  await rm(final, { recursive: true, force: true });
  await rename(temp, final);
  await syncFolder(root);
  // Keep the newest `keep` checkpoints that verify: a damaged one does not count, or it would push the last
  // good one out. The one just written verified as it was hashed while written.
  verified.set(await fingerprint(final), true);
  let good = 0;
  for (const step of (await listSteps(root)).reverse()) {
    const dir = stepDir(root, step);
    if (good >= keep) await rm(dir, { recursive: true, force: true });
    else if (await verifies(dir)) good++;
  }
  return final;
}

/** Verdicts of checkpoints already hashed by this process, by their files' size and time (a change re-checks). */
const verified = new Map<string, boolean>();

async function fingerprint(dir: string): Promise<string> {
  const [t, s] = await Promise.all([stat(join(dir, TENSORS_FILE)), stat(join(dir, STATE_FILE))]);
  return `${dir}:${t.size}:${t.mtimeMs}:${s.size}:${s.mtimeMs}`;
}

/** Whether a checkpoint folder is whole: its state readable and its tensors matching their recorded sha256. */
async function verifies(dir: string): Promise<boolean> {
  const key = await fingerprint(dir).catch(() => null);
  if (key === null) return false;
  const known = verified.get(key);
  if (known !== undefined) return known;
  const ok = await checkState(dir).then(
    () => true,
    () => false,
  );
  verified.set(key, ok);
  return ok;
}

/** Temporary files and folders of a run (checkpoints being written, plan.json) that a dead writer left. */
const TEMP = TEMP_SUFFIX;

/** What a writer that died left half-written in a run folder and its checkpoints (temporary files and folders). */
export async function runTemps(runDir: string): Promise<string[]> {
  const found: string[] = [];
  for (const dir of [runDir, join(runDir, CHECKPOINTS_DIR)]) {
    for (const name of await readdir(dir).catch(() => [] as string[])) if (TEMP.test(name)) found.push(join(dir, name));
  }
  return found;
}

/**
 * Removes runTemps. Only the run's writer (or gc, holding the run's lock) calls this: a temporary file
 * there then belongs to no live process.
 */
export async function removeRunTemps(runDir: string): Promise<string[]> {
  const found = await runTemps(runDir);
  for (const path of found) await rm(path, { recursive: true, force: true });
  return found;
}

async function listSteps(root: string): Promise<number[]> {
  const names = await readdir(root).catch(() => [] as string[]);
  return names
    .filter((n) => n.startsWith(PREFIX) && /^\d+$/.test(n.slice(PREFIX.length)))
    .map((n) => Number(n.slice(PREFIX.length)))
    .sort((a, b) => a - b);
}

/** Reads one checkpoint's state and checks its tensors against it; throws with the reason when it cannot be trusted. */
async function checkState(dir: string): Promise<StateFile> {
  const state = JSON.parse(await readFile(join(dir, STATE_FILE), 'utf8')) as StateFile;
  if (state.format !== 'grove-checkpoint/1') throw new Error(`unknown checkpoint format ${JSON.stringify(state.format)}`);
  const actual = await sha256File(join(dir, TENSORS_FILE));
  if (actual !== state.tensorsSha256) throw new Error(`${TENSORS_FILE} does not match its recorded sha256`);
  return state;
}

/** Reads and verifies one checkpoint folder; throws with the reason when it cannot be trusted. */
async function loadOne(dir: string): Promise<LoadedCheckpoint> {
  const state = await checkState(dir);
  const { step, tokens, bestValidLoss, evalsSinceBest, elapsedSeconds } = state;
  return {
    dir,
    state: { step, tokens, bestValidLoss, evalsSinceBest, ...(elapsedSeconds !== undefined ? { elapsedSeconds } : {}) },
    tensors: await SafetensorsFile.open(join(dir, TENSORS_FILE)),
  };
}

/**
 * The newest checkpoint that verifies, or null when there is none. Damaged ones are reported through
 * `warn` and skipped (they stay on disk for inspection).
 */
export async function loadLatestCheckpoint(
  root: string,
  warn: (message: string) => void = () => undefined,
): Promise<LoadedCheckpoint | null> {
  const steps = await listSteps(root);
  for (const step of steps.reverse()) {
    const dir = stepDir(root, step);
    try {
      return await loadOne(dir);
    } catch (err) {
      warn(`checkpoint ${dir} skipped: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return null;
}
