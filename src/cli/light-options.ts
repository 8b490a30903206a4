// The flags that make a new expert light (low-rank adapters over the seed instead of a full copy), shared by
// `grove add` and `grove branch`.
import type { Command } from 'commander';
import { GroveError } from '../shared/api/errors';
import { DEFAULT_LIGHT_START, LightStart, LoraTargetName, type LightSettings } from '../shared/api/schemas-forest';

export interface LightOpts {
  light?: boolean;
  rank?: number;
  alpha?: number;
  targets?: string;
  lightStart?: string;
}

export function lightOptions(cmd: Command): Command {
  const num = (v: string) => Number(v);
  return cmd
    .option(
      '--light',
      'a light expert: low-rank adapters (LoRA) over the seed, which stays shared (a few % of its size on disk, far less memory to train)',
    )
    .option('--rank <r>', 'light expert: adapter rank (default 16)', num)
    .option('--alpha <a>', 'light expert: LoRA alpha (default twice the rank)', num)
    .option('--targets <list>', `light expert: projections to adapt, comma-separated (default all: ${LoraTargetName.options.join(',')})`)
    .option(
      '--light-start <start>',
      `light expert branched from light experts: exact (their average exactly, rank the sum of theirs) or svd (its best rank-R approximation, truncated SVD; the error is in grove show) (default ${DEFAULT_LIGHT_START})`,
    );
}

/** The API's light settings, or undefined for a full expert; refuses light flags without --light. */
export function lightOf(o: LightOpts): LightSettings | undefined {
  if (!o.light) {
    const flags = { rank: 'rank', alpha: 'alpha', targets: 'targets', lightStart: 'light-start' } as const;
    const stray = (Object.keys(flags) as (keyof typeof flags)[]).filter((k) => o[k] !== undefined).map((k) => flags[k]);
    if (stray.length > 0)
      throw new GroveError(
        'bad_input',
        `--${stray.join(' and --')} set${stray.length === 1 ? 's' : ''} up a light expert; add --light (or leave ${stray.length === 1 ? 'it' : 'them'} out for a full one).`,
      );
    return undefined;
  }
  if (o.rank !== undefined && !(Number.isInteger(o.rank) && o.rank >= 1 && o.rank <= 1024))
    throw new GroveError('bad_input', `--rank must be a whole number from 1 to 1024 (8, 16 or 32 are usual), not ${o.rank}.`);
  if (o.alpha !== undefined && !(Number.isFinite(o.alpha) && o.alpha > 0))
    throw new GroveError('bad_input', `--alpha must be a positive number (usually twice the rank), not ${o.alpha}.`);
  let targets: LightSettings['targets'];
  if (o.targets !== undefined) {
    const names = o.targets
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== '');
    const parsed = names.map((t) => LoraTargetName.safeParse(t));
    const bad = names.filter((_, i) => !parsed[i]!.success);
    if (names.length === 0 || bad.length > 0)
      throw new GroveError(
        'bad_input',
        `--targets: ${bad.length > 0 ? `unknown projection ${bad.join(', ')}` : 'no projection given'}; choose from ${LoraTargetName.options.join(', ')}.`,
      );
    targets = [...new Set(parsed.map((p) => p.data!))];
  }
  const start = o.lightStart === undefined ? undefined : LightStart.safeParse(o.lightStart);
  if (start && !start.success)
    throw new GroveError(
      'bad_input',
      `--light-start must be ${LightStart.options.join(' or ')} (exact: the parents' average as it is, rank the sum of theirs; svd: its best rank-R approximation), not "${o.lightStart}".`,
    );
  return {
    rank: o.rank ?? 16,
    ...(o.alpha !== undefined ? { alpha: o.alpha } : {}),
    ...(targets ? { targets } : {}),
    ...(start ? { start: start.data } : {}),
  };
}
