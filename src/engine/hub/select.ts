// Which files of a Hub repository Grove downloads: the config and tokenizer files, and the safetensors
// weights (one file, or an index and the shards it names); never .bin/.pt/.gguf/ONNX copies of the same weights.
import { GroveError } from '../../shared/api/errors';
import type { RepoFile, RepoInfo } from './repo-info';

/** Small files at the repository's root that Grove reads when present. */
export const METADATA_FILES = [
  'config.json',
  'generation_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  // Newer transformers versions save the chat template beside tokenizer_config.json instead of inside it.
  'chat_template.jinja',
  'chat_template.json',
] as const;
export const REQUIRED_FILES = ['config.json', 'tokenizer.json'] as const;
export const SINGLE_WEIGHTS = 'model.safetensors';
export const WEIGHTS_INDEX = 'model.safetensors.index.json';

export interface FileSelection {
  /** Downloaded first: small, and they tell whether the model is usable before gigabytes move. */
  metadata: RepoFile[];
  /** model.safetensors, or model.safetensors.index.json (whose shards are chosen once it is read). */
  weights: { kind: 'single'; file: RepoFile } | { kind: 'sharded'; index: RepoFile };
}

export function selectFiles(info: RepoInfo): FileSelection {
  const byPath = new Map(info.files.map((f) => [f.path, f]));
  for (const name of REQUIRED_FILES) {
    if (!byPath.has(name)) {
      throw new GroveError(
        'unsupported',
        `${info.repoId} has no ${name} at its root, which Grove needs${name === 'tokenizer.json' ? ' (models with only a SentencePiece tokenizer.model are not supported)' : ''}. Choose a Transformers-format repository of a Llama or Qwen2 model.`,
        { repoId: info.repoId, missing: name },
      );
    }
  }
  const metadata = METADATA_FILES.flatMap((name) => byPath.get(name) ?? []);
  const single = byPath.get(SINGLE_WEIGHTS);
  if (single) return { metadata, weights: { kind: 'single', file: single } };
  const index = byPath.get(WEIGHTS_INDEX);
  if (index) return { metadata, weights: { kind: 'sharded', index } };
  const others = info.files.map((f) => f.path).filter((p) => /\.(bin|pt|pth|gguf|onnx|h5|msgpack|safetensors)$/.test(p));
  throw new GroveError(
    'unsupported',
    `${info.repoId} has no ${SINGLE_WEIGHTS} or ${WEIGHTS_INDEX} at its root${others.length > 0 ? ` (it has ${others.slice(0, 4).join(', ')}${others.length > 4 ? ', ...' : ''})` : ''}. Grove reads Transformers safetensors weights only: choose a repository that has them.`,
    { repoId: info.repoId, weightFiles: others },
  );
}

/** The shard files a parsed model.safetensors.index.json names, each checked to be a root file of the repository. */
export function shardsOfIndex(indexJson: unknown, info: RepoInfo): RepoFile[] {
  const map = (indexJson as { weight_map?: unknown } | null)?.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw new GroveError(
      'bad_input',
      `${info.repoId}: ${WEIGHTS_INDEX} has no "weight_map" object. The repository's index is broken; choose another revision.`,
      { repoId: info.repoId },
    );
  }
  const byPath = new Map(info.files.map((f) => [f.path, f]));
  const names = [...new Set(Object.values(map as Record<string, unknown>))];
  return names.map((name) => {
    const file = typeof name === 'string' && !name.includes('/') ? byPath.get(name) : undefined;
    if (!file) {
      throw new GroveError(
        'bad_input',
        `${info.repoId}: ${WEIGHTS_INDEX} names shard ${JSON.stringify(name)}, which is not a file at the repository's root. The repository's index is broken; choose another revision.`,
        { repoId: info.repoId, shard: name },
      );
    }
    return file;
  });
}
