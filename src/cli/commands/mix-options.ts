// Options shared by `grove generate` and `grove chat`: which models (folders or forest names), how they are
// mixed (prior, posterior, window, top-k experts, manual weights), and sampling. Parsed into the engine's
// MixSpec and resolved against the forest home, once, before any model is opened.
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { Catalog } from '../../app/catalog/catalog';
import { catalogPath } from '../../app/home';
import { resolveMix, type MixSpec, type ResolvedMix } from '../../app/infer/mix';
import type { ReplyModel } from '../../app/infer/reply';
import type { ExpertWeight } from '../../engine/generate/ensemble-decoder';
import type { SamplingInput } from '../../engine/generate/sampling';
import { MODEL_QUANTS, type ModelQuant } from '../../engine/quant/plan';
import { forestTokenizerDir } from '../../app/store/init';
import { GroveError } from '../../shared/api/errors';

export interface MixOpts {
  model?: string[];
  prior: string;
  target?: string;
  posterior: string;
  window: string;
  topExperts?: number;
  weights?: string;
  routing: string;
  temperature: number;
  topK: number;
  topP: number;
  /** Unset: 1.1 when sampling, 1 (off) at temperature 0, so that 0 is plain greedy decoding. */
  repetitionPenalty?: number;
  seed: number;
  threads: number;
  quant: string;
}

const num = (v: string) => Number(v);

/** The repetition penalty when sampling and none is given (the value local chat tools commonly default to). */
const SAMPLING_REPETITION_PENALTY = 1.1;

/** Adds the mixing and sampling options to a command. */
export function addMixOptions(cmd: Command, o: { modelHelp: string }): Command {
  return cmd
    .option('--model <model...>', o.modelHelp)
    .option(
      '--prior <kind>',
      'ensemble prior: auto (cached if one is stored for the target, else uniform), cached (stored by `grove prior`), or uniform',
      'auto',
    )
    .option('--target <target>', 'whose cached prior: domain:NAME, folder:PATH, chat:ID or mix')
    .option('--posterior <kind>', 'how the weights follow the text: context or last-token', 'context')
    .option('--window <n>', 'context posterior: recent tokens that count ("all" = the whole context)', '256')
    .option('--top-experts <k>', 'run only the k experts of largest prior', num)
    .option('--weights <list>', 'fixed weights instead of the posterior: name=0.7,name2=0.3')
    .option(
      '--routing <kind>',
      'posterior (the domain posterior), or clusters: the experts `grove add --discover` grew, weighed by the distance of the text to their clusters (c-BTM, no expert run to route; with --top-experts K only the K nearest run)',
      'posterior',
    )
    .option(
      '--temperature <t>',
      '0 = greedy: always the most likely token (no repetition penalty unless --repetition-penalty is given)',
      num,
      0.8,
    )
    .option('--top-k <k>', 'sampling: keep the k most likely tokens (0 = off)', num, 40)
    .option('--top-p <p>', 'sampling: nucleus (1 = off)', num, 0.95)
    .option(
      '--repetition-penalty <r>',
      `divides the scores of tokens already in the text (1 = off; default ${SAMPLING_REPETITION_PENALTY} when sampling, off at --temperature 0)`,
      num,
    )
    .option('--seed <n>', 'sampling seed', num, 0)
    .option('--threads <n>', 'CPU threads (0 = all)', num, 0)
    .option(
      '--quant <bits>',
      'run every model with f32 weights, or block-quantized to 8 or 4 bits (made once per model and kept beside it)',
      'f32',
    );
}

/** --quant as a ModelQuant, refused with the choices otherwise. */
export function quantOf(o: { quant: string }): ModelQuant {
  if (!(MODEL_QUANTS as readonly string[]).includes(o.quant))
    throw new GroveError('bad_input', `--quant ${o.quant} is not a choice: give f32, 8 or 4.`);
  return o.quant as ModelQuant;
}

/** `name=0.7,name2=0.3` -> { name: 0.7, name2: 0.3 }. */
export function parseWeights(list: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of list
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = part.lastIndexOf('=');
    const name = part.slice(0, eq).trim();
    const weight = Number(part.slice(eq + 1));
    if (eq <= 0 || !name || !Number.isFinite(weight) || weight < 0)
      throw new GroveError('bad_input', `--weights: "${part}" is not name=weight with a weight >= 0 (e.g. --weights law=0.7,med=0.3).`);
    if (name in out) throw new GroveError('bad_input', `--weights names ${name} twice; name each model once.`);
    out[name] = weight;
  }
  if (Object.keys(out).length === 0)
    throw new GroveError('bad_input', '--weights is empty; give name=weight pairs, e.g. --weights law=0.7,med=0.3.');
  return out;
}

export function samplingOf(o: MixOpts): SamplingInput {
  const repetitionPenalty = o.repetitionPenalty ?? (o.temperature === 0 ? 1 : SAMPLING_REPETITION_PENALTY);
  return { temperature: o.temperature, topK: o.topK, topP: o.topP, repetitionPenalty, seed: o.seed };
}

function isFolder(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory();
}

/** The MixSpec the options describe; `targets` are the default prior targets to look up. */
export function mixSpecFromOptions(o: MixOpts, defaultTargets: string[]): MixSpec {
  if (!['auto', 'cached', 'uniform'].includes(o.prior))
    throw new GroveError('bad_input', `--prior must be auto, cached or uniform, not ${JSON.stringify(o.prior)}.`);
  if (!['context', 'last-token'].includes(o.posterior))
    throw new GroveError('bad_input', `--posterior must be context or last-token, not ${JSON.stringify(o.posterior)}.`);
  const window = o.window === 'all' ? null : Number(o.window);
  if (window !== null && !(Number.isInteger(window) && window >= 0))
    throw new GroveError('bad_input', `--window must be a whole number of tokens >= 0, or "all"; got ${JSON.stringify(o.window)}.`);
  if (o.posterior === 'last-token' && o.window !== '256')
    throw new GroveError('bad_input', '--window applies to the context posterior; the last-token posterior reads one token.');
  if (o.topExperts !== undefined && !(Number.isInteger(o.topExperts) && o.topExperts >= 1))
    throw new GroveError('bad_input', `--top-experts must be a whole number >= 1, not ${o.topExperts}.`);
  if (!['posterior', 'clusters'].includes(o.routing))
    throw new GroveError('bad_input', `--routing must be posterior or clusters, not ${JSON.stringify(o.routing)}.`);
  const spec: MixSpec = {
    prior: o.prior as MixSpec['prior'],
    targets: o.target ? [o.target] : defaultTargets,
    posterior: o.posterior as 'context' | 'last-token',
    window,
  };
  if (o.topExperts !== undefined) spec.topK = o.topExperts;
  if (o.weights) spec.weights = parseWeights(o.weights);
  if (o.routing === 'clusters') spec.routing = 'clusters';
  return spec;
}

export interface CliMix extends ResolvedMix {
  /** The tokenizer folder the models share. */
  tokenizerDir: string;
}

/**
 * Resolves the models: a folder path is used as it is (with its own tokenizer.json if it has one), any
 * other name is looked up in the forest's catalog. Folders need no forest at all.
 */
export function resolveCliMix(home: string, o: MixOpts, spec: MixSpec): CliMix {
  const names = [...(o.model ?? []), ...Object.keys(spec.weights ?? {})];
  const external: ReplyModel[] = [...new Set(names)].filter(isFolder).map((p) => ({ name: p, key: resolve(p), folder: resolve(p) }));
  const forestNames = (o.model ?? []).filter((m) => !isFolder(m));
  const withTokenizer = external.find((e) => existsSync(join(e.folder, 'tokenizer.json')));
  const hasCatalog = existsSync(catalogPath(home));
  const catalog = hasCatalog ? Catalog.open(catalogPath(home)) : null;
  try {
    const resolved = resolveMix(catalog, home, { ...spec, ...(forestNames.length ? { models: forestNames } : {}) }, external);
    const forestTokenizer = join(forestTokenizerDir(home), 'tokenizer.json');
    const usesForest = resolved.models.some((m) => !external.some((e) => e.name === m));
    const tokenizerDir = usesForest || !withTokenizer ? forestTokenizerDir(home) : withTokenizer.folder;
    if (!existsSync(join(tokenizerDir, 'tokenizer.json'))) {
      throw new GroveError(
        'not_found',
        `No tokenizer for these models: ${withTokenizer ? '' : 'the model folder has no tokenizer.json and '}${forestTokenizer} does not exist. Give a model folder with its tokenizer.json, or use --home <forest>.`,
      );
    }
    return { ...resolved, tokenizerDir };
  } finally {
    catalog?.close();
  }
}

/** "law 0.62, med 0.38" */
export function formatWeights(weights: readonly ExpertWeight[]): string {
  return weights.map((w) => `${w.name} ${w.weight.toFixed(3)}`).join(', ');
}
