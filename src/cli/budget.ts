// Training budget, device and checkpoint flags shared by the commands that train (add, train, init).
import type { Command } from 'commander';
import { DEFAULT_EXPERT_PASSES } from '../shared/api/defaults';
import type { ExpertBudget, TrainBudget } from '../shared/api/schemas-forest';
import { GroveError } from '../shared/api/errors';

export interface BudgetOpts {
  passes?: number;
  steps?: number;
  tokens?: number;
  minutes?: number;
}

export interface DeviceOpts {
  device: 'auto' | 'cpu' | 'cuda' | 'webgpu' | 'dml' | 'coreml';
  threads?: number;
  checkpointEvery?: number;
  checkpointMinutes?: number;
}

export function budgetOptions(cmd: Command, o: { device?: boolean; passes?: boolean } = {}): Command {
  const num = (v: string) => Number(v);
  // A new expert's budget may be passes over its domain's text, the default there (as in the app).
  if (o.passes)
    cmd.option(
      '--passes <n>',
      `training budget: passes over the domain's training text (default: ${DEFAULT_EXPERT_PASSES}, at least 20 steps)`,
      num,
    );
  cmd
    .option('--steps <n>', 'training budget: optimizer steps', num)
    .option('--tokens <n>', 'training budget: training tokens', num)
    .option('--minutes <n>', 'training budget: wall-clock minutes (steps are planned by timing the first ones)', num);
  if (o.device === false) return cmd;
  return deviceOptions(cmd);
}

/** Where to train and how often to checkpoint, for a command whose budget is its own (the dense baseline's). */
export function deviceOptions(cmd: Command): Command {
  const num = (v: string) => Number(v);
  return cmd
    .option('--device <name>', 'auto (a GPU provider when one works, else CPU), cpu, cuda, webgpu, dml or coreml', 'auto')
    .option('--threads <n>', "CPU threads for training (0: every core; default: the forest's setting)", num)
    .option('--checkpoint-every <steps>', 'checkpoint every this many steps (default: a tenth of the run, at least 50)', num)
    .option('--checkpoint-minutes <n>', 'and at least every this many minutes, whichever comes first (default: 5)', num);
}

/** Where to train and how often to checkpoint, as the API takes it: the device, and the threads and checkpoint intervals when given. */
export function deviceOf(o: DeviceOpts): {
  device: DeviceOpts['device'];
  threads?: number;
  checkpoint?: { steps?: number; minutes?: number };
} {
  if (o.threads !== undefined && !(Number.isInteger(o.threads) && o.threads >= 0))
    throw new GroveError('bad_input', `--threads must be a whole number, 0 or more (0: every core), not ${o.threads}.`);
  if (o.checkpointEvery !== undefined && !(Number.isInteger(o.checkpointEvery) && o.checkpointEvery > 0))
    throw new GroveError('bad_input', `--checkpoint-every takes a number of steps, a whole number above 0, not ${o.checkpointEvery}.`);
  if (
    o.checkpointMinutes !== undefined &&
    !(Number.isFinite(o.checkpointMinutes) && o.checkpointMinutes > 0 && o.checkpointMinutes <= 24 * 60)
  )
    throw new GroveError('bad_input', `--checkpoint-minutes takes minutes above 0 and up to a day (1440), not ${o.checkpointMinutes}.`);
  const checkpoint = {
    ...(o.checkpointEvery !== undefined ? { steps: o.checkpointEvery } : {}),
    ...(o.checkpointMinutes !== undefined ? { minutes: o.checkpointMinutes } : {}),
  };
  return {
    device: o.device,
    ...(o.threads !== undefined ? { threads: o.threads } : {}),
    ...(Object.keys(checkpoint).length > 0 ? { checkpoint } : {}),
  };
}

/** A new expert's one budget given (passes too), or undefined for the default (DEFAULT_EXPERT_PASSES passes over its domain). */
export function expertBudgetOf(o: BudgetOpts): ExpertBudget | undefined {
  return given(o, ['passes', 'steps', 'tokens', 'minutes']);
}

/** The one budget given, or undefined for the command's default. */
export function budgetOf(o: BudgetOpts): TrainBudget | undefined {
  return given(o, ['steps', 'tokens', 'minutes']) as TrainBudget | undefined;
}

function given(o: BudgetOpts, kinds: readonly (keyof BudgetOpts)[]): ExpertBudget | undefined {
  const given = kinds.filter((k) => o[k] !== undefined);
  if (given.length > 1) throw new GroveError('bad_input', `Give one budget: --${given.join(' or --')}, not several.`);
  const k = given[0];
  if (!k) return undefined;
  const v = o[k]!;
  const fractional = k === 'minutes' || k === 'passes';
  if (!(Number.isFinite(v) && v > 0) || (!fractional && !Number.isInteger(v)))
    throw new GroveError('bad_input', `--${k} must be a positive ${fractional ? 'number' : 'whole number'}, not ${v}.`);
  return { [k]: v } as ExpertBudget;
}
