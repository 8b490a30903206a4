// Rotary-embedding settings of a Hugging Face config.json, in both layouts transformers has written:
// transformers 4.x puts `rope_theta` and `rope_scaling` at the top level; transformers 5.x puts both inside
// `rope_parameters` ({"rope_type": "llama3", "rope_theta": 500000.0, "factor": 32.0, ...}). Reading only one
// layout silently runs a model of the other with rope_theta 10000 and no scaling, so both are read, a config
// whose two layouts disagree is refused by name, and any rope key Grove does not implement is refused.
import { GroveError } from '../../shared/api/errors';

/** What the rope keys of a config say, before Grove's schema checks the values. */
export interface HfRope {
  /** undefined: the config sets none (Grove's default applies). */
  ropeTheta: unknown;
  ropeScaling: {
    ropeType: 'llama3';
    factor: unknown;
    lowFreqFactor: unknown;
    highFreqFactor: unknown;
    originalMaxPositionEmbeddings: unknown;
  } | null;
}

/** The llama3 scaling keys, HF name -> Grove name. */
const LLAMA3_KEYS = {
  factor: 'factor',
  low_freq_factor: 'lowFreqFactor',
  high_freq_factor: 'highFreqFactor',
  original_max_position_embeddings: 'originalMaxPositionEmbeddings',
} as const;

type Layout = { where: string; theta: unknown; type: string; scaling: Record<string, unknown> };

/** Reads one rope dict (`rope_scaling` or `rope_parameters`): its type, theta and llama3 keys; refuses anything else. */
function readRopeDict(value: unknown, key: string, file: string): Layout | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new GroveError('bad_input', `${file}: ${key} must be an object or null, not ${JSON.stringify(value)}. Fix config.json.`, { key });
  }
  const dict = value as Record<string, unknown>;
  // Older configs spell the type `type`; both may be present, then they must agree.
  if (dict.type !== undefined && dict.rope_type !== undefined && dict.type !== dict.rope_type) {
    throw new GroveError(
      'bad_input',
      `${file}: ${key}.type ${JSON.stringify(dict.type)} and ${key}.rope_type ${JSON.stringify(dict.rope_type)} disagree. Keep one of them in config.json.`,
      { key },
    );
  }
  const type = dict.rope_type ?? dict.type ?? 'default';
  if (type !== 'default' && type !== 'llama3') {
    throw new GroveError(
      'unsupported',
      `${file}: ${key} type ${JSON.stringify(type)} is not supported; Grove implements "llama3" scaling or none. Choose a model without it.`,
      { key, value },
    );
  }
  const allowed = new Set(['rope_type', 'type', 'rope_theta', ...(type === 'llama3' ? Object.keys(LLAMA3_KEYS) : [])]);
  for (const [k, v] of Object.entries(dict)) {
    // partial_rotary_factor 1 rotates the whole head, which is what Grove does.
    if (k === 'partial_rotary_factor' && v === 1) continue;
    if (!allowed.has(k)) {
      throw new GroveError(
        'unsupported',
        `${file}: ${key}.${k} = ${JSON.stringify(v)} is not supported with rope type "${String(type)}" (it would change the rotary embedding and Grove does not implement it). Choose a model without it.`,
        { key: `${key}.${k}`, value: v },
      );
    }
  }
  const scaling: Record<string, unknown> = {};
  if (type === 'llama3') for (const [hf, grove] of Object.entries(LLAMA3_KEYS)) scaling[grove] = dict[hf];
  return { where: key, theta: dict.rope_theta, type: String(type), scaling };
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Reads rope_theta and llama3 scaling from either layout (or both, when they agree). */
export function ropeFromHf(hf: Record<string, unknown>, file: string): HfRope {
  const classic = readRopeDict(hf.rope_scaling, 'rope_scaling', file);
  const current = readRopeDict(hf.rope_parameters, 'rope_parameters', file);
  const conflict = (what: string, a: unknown, b: unknown, aKey: string, bKey: string): never => {
    throw new GroveError(
      'bad_input',
      `${file}: ${aKey} = ${JSON.stringify(a)} but ${bKey} = ${JSON.stringify(b)}: the two rope layouts disagree on the ${what}, and Grove will not guess which one the model was trained with. Keep one of them in config.json.`,
      { keys: [aKey, bKey] },
    );
  };
  // The theta: top-level rope_theta, rope_scaling.rope_theta (some 4.x saves), rope_parameters.rope_theta.
  const thetas = [
    { key: 'rope_theta', value: hf.rope_theta },
    { key: 'rope_scaling.rope_theta', value: classic?.theta },
    { key: 'rope_parameters.rope_theta', value: current?.theta },
  ].filter((t) => t.value !== undefined);
  for (const t of thetas.slice(1))
    if (!same(t.value, thetas[0]!.value)) conflict('rope theta', thetas[0]!.value, t.value, thetas[0]!.key, t.key);
  if (classic && current) {
    if (classic.type !== current.type)
      conflict('rope type', classic.type, current.type, 'rope_scaling.rope_type', 'rope_parameters.rope_type');
    for (const [hfKey, groveKey] of Object.entries(LLAMA3_KEYS)) {
      if (!same(classic.scaling[groveKey], current.scaling[groveKey]))
        conflict(hfKey, classic.scaling[groveKey], current.scaling[groveKey], `rope_scaling.${hfKey}`, `rope_parameters.${hfKey}`);
    }
  }
  const layout = current ?? classic;
  const ropeScaling =
    layout?.type === 'llama3'
      ? { ropeType: 'llama3' as const, ...(layout.scaling as Omit<NonNullable<HfRope['ropeScaling']>, 'ropeType'>) }
      : null;
  // transformers 5 prefers a top-level original_max_position_embeddings over the one in the rope dict.
  if (
    hf.original_max_position_embeddings !== undefined &&
    ropeScaling &&
    !same(hf.original_max_position_embeddings, ropeScaling.originalMaxPositionEmbeddings)
  ) {
    conflict(
      'original context length',
      hf.original_max_position_embeddings,
      ropeScaling.originalMaxPositionEmbeddings,
      'original_max_position_embeddings',
      `${layout!.where}.original_max_position_embeddings`,
    );
  }
  return { ropeTheta: thetas[0]?.value, ropeScaling };
}

/** The HF keys this module reads (the rest of config.json is the caller's). */
export const HF_ROPE_KEYS = ['rope_theta', 'rope_scaling', 'rope_parameters'] as const;
