// Seeded mutants of a valid model folder, for the model-folder fuzzer: config.json keys deleted or given wrong
// types, huge, negative, fractional or non-finite values, JSON truncated or nested deep; safetensors headers with
// tensors renamed, reshaped, re-typed, removed or added, header bytes and the length prefix corrupted, data
// truncated or filled with NaN/Inf; the sharded index broken; files replaced by a folder, a FIFO, an empty
// file, a link in a circle, or deleted. Each mutant is described in a line, so a failure can be replayed.
import { execFileSync } from 'node:child_process';
import { cpSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../../src/engine/model/rng';

type Json = Record<string, unknown>;

const CONFIG_KEYS = [
  'architectures',
  'model_type',
  'vocab_size',
  'hidden_size',
  'intermediate_size',
  'num_hidden_layers',
  'num_attention_heads',
  'num_key_value_heads',
  'head_dim',
  'rms_norm_eps',
  'rope_theta',
  'rope_scaling',
  'max_position_embeddings',
  'tie_word_embeddings',
  'attention_bias',
  'bos_token_id',
  'eos_token_id',
  'torch_dtype',
  'hidden_act',
  'rope_parameters',
  'mlp_bias',
  'layer_types',
  'original_max_position_embeddings',
  'partial_rotary_factor',
];
const NUMBERS = [0, -1, -64, 0.5, 1.5, 3, 1e9, 1e15, 2 ** 53, 2 ** 32, 1e308, -1e308, 5e-324];
const TEXTS = ['NaN', 'Infinity', '-Infinity', '1e999'];
const WRONG_TYPES: unknown[] = ['64', 'true', '', true, false, null, [], [64], {}, { a: 1 }, ['LlamaForCausalLM', 'Qwen2ForCausalLM']];
const ROPE_DICTS: unknown[] = [
  { rope_type: 'llama3', rope_theta: 500000, factor: 32, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 },
  { rope_type: 'llama3', factor: 'x', low_freq_factor: -1, high_freq_factor: 0, original_max_position_embeddings: 1e9 },
  { rope_type: 'yarn', factor: 4 },
  { rope_type: 'default', rope_theta: 1 },
  { type: 'llama3', rope_type: 'default' },
  { rope_type: 'llama3' },
  'llama3',
  [1, 2],
];
const DTYPES = ['F16', 'BF16', 'F64', 'I32', 'I64', 'U8', 'BOOL', 'F8_E4M3', 'Q4', '', 7, null];

/** Reads a file of the mutant; one an earlier mutation replaced (a FIFO would block this read forever) is skipped. */
function readBytes(path: string): Buffer {
  if (!lstatSync(path, { throwIfNoEntry: false })?.isFile()) throw new Error(`${path} was replaced by an earlier mutation`);
  return readFileSync(path);
}

function readText(path: string): string {
  return readBytes(path).toString('utf8');
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.nextUint32() % items.length]!;
}

function int(rng: Rng, n: number): number {
  return rng.nextUint32() % Math.max(1, n);
}

function readSafetensors(path: string): { header: Json; data: Buffer } {
  const bytes = readBytes(path);
  const n = Number(bytes.readBigUInt64LE(0));
  return { header: JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as Json, data: bytes.subarray(8 + n) };
}

function writeSafetensorsRaw(path: string, header: Json | string, data: Buffer): void {
  const text = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(text.length));
  writeFileSync(path, Buffer.concat([prefix, text, data]));
}

function tensorNames(header: Json): string[] {
  return Object.keys(header).filter((k) => k !== '__metadata__');
}

/** A file of the folder replaced by something that is not a regular file, or removed. */
function replaceFile(path: string, rng: Rng): string {
  const how = pick(rng, ['folder', 'fifo', 'empty', 'loop', 'deleted', 'garbage'] as const);
  rmSync(path, { force: true, recursive: true });
  if (how === 'folder') mkdirSync(path);
  else if (how === 'fifo') {
    if (process.platform === 'win32') return replaceFile(path, rng);
    execFileSync('mkfifo', [path]);
  } else if (how === 'empty') writeFileSync(path, '');
  else if (how === 'loop') symlinkSync(path, path);
  else if (how === 'garbage') writeFileSync(path, Buffer.from(Array.from({ length: 64 }, () => int(rng, 256))));
  return how;
}

function mutateConfig(folder: string, rng: Rng): string {
  const path = join(folder, 'config.json');
  const text = readText(path);
  const config = JSON.parse(text) as Json;
  const key = pick(rng, CONFIG_KEYS);
  const how = int(rng, 9);
  switch (how) {
    case 0:
      delete config[key];
      writeFileSync(path, JSON.stringify(config));
      return `config: delete ${key}`;
    case 1: {
      const value = pick(rng, WRONG_TYPES);
      config[key] = value;
      writeFileSync(path, JSON.stringify(config));
      return `config: ${key} = ${JSON.stringify(value)}`;
    }
    case 2: {
      const value = pick(rng, NUMBERS);
      config[key] = value;
      writeFileSync(path, JSON.stringify(config));
      return `config: ${key} = ${value}`;
    }
    case 3: {
      // Non-finite numbers are not JSON: written as text, as a careless writer would.
      const value = pick(rng, TEXTS);
      writeFileSync(path, JSON.stringify({ ...config, [key]: '@@' }).replace('"@@"', value));
      return `config: ${key} = ${value} (not JSON)`;
    }
    case 4: {
      const at = int(rng, text.length);
      writeFileSync(path, text.slice(0, at));
      return `config: truncated at byte ${at}`;
    }
    case 5: {
      const value = pick(rng, ['[]', '"config"', '1', 'null', '', '{"architectures": ["LlamaForCausalLM"]}']);
      writeFileSync(path, value);
      return `config: replaced by ${JSON.stringify(value)}`;
    }
    case 6: {
      const rope = pick(rng, ROPE_DICTS);
      config[pick(rng, ['rope_scaling', 'rope_parameters'])] = rope;
      if (int(rng, 2) === 0) config.rope_theta = pick(rng, NUMBERS);
      writeFileSync(path, JSON.stringify(config));
      return `config: rope ${JSON.stringify(rope)}`;
    }
    case 7: {
      const depth = pick(rng, [65, 1000, 200_000]);
      writeFileSync(path, JSON.stringify({ ...config, [key]: '@@' }).replace('"@@"', `${'['.repeat(depth)}${']'.repeat(depth)}`));
      return `config: ${key} nested ${depth} deep`;
    }
    default:
      return `config: file ${replaceFile(path, rng)}`;
  }
}

function mutateWeights(folder: string, file: string, rng: Rng): string {
  const path = join(folder, file);
  const { header, data } = readSafetensors(path);
  const names = tensorNames(header);
  const name = pick(rng, names);
  const entry = header[name] as { dtype: unknown; shape: unknown; data_offsets: [number, number] };
  const how = int(rng, 12);
  switch (how) {
    case 0: {
      const to = pick(rng, [
        'model.layers.7.self_attn.q_proj.weight',
        `${name}.x`,
        'lm_head.weight',
        'model.layers.0.mlp.extra.weight',
        '__metadata__',
        '',
      ]);
      delete header[name];
      header[to] = entry;
      writeSafetensorsRaw(path, header, data);
      return `${file}: rename ${name} -> ${to}`;
    }
    case 1: {
      const shape = pick(rng, [[], [0], [1e9, 1e9], [-1], [1.5], ['4'], [2 ** 53, 2], null, 'x', [...(entry.shape as number[])].reverse()]);
      entry.shape = shape;
      writeSafetensorsRaw(path, header, data);
      return `${file}: ${name} shape ${JSON.stringify(shape)}`;
    }
    case 2: {
      const dtype = pick(rng, DTYPES);
      entry.dtype = dtype;
      writeSafetensorsRaw(path, header, data);
      return `${file}: ${name} dtype ${JSON.stringify(dtype)}`;
    }
    case 3: {
      const at = int(rng, readBytes(path).length);
      writeFileSync(path, readBytes(path).subarray(0, at));
      return `${file}: truncated at byte ${at}`;
    }
    case 4: {
      const bytes = readBytes(path);
      const n = Number(bytes.readBigUInt64LE(0));
      for (let k = 0; k < 4; k++) bytes[8 + int(rng, n)] = int(rng, 256);
      writeFileSync(path, bytes);
      return `${file}: 4 header bytes corrupted`;
    }
    case 5: {
      const bytes = readBytes(path);
      const n = pick(rng, [0n, 1n, 7n, 2n ** 63n, 2n ** 64n - 1n, BigInt(bytes.length), 100_000_001n]);
      bytes.writeBigUInt64LE(n, 0);
      writeFileSync(path, bytes);
      return `${file}: header length ${n}`;
    }
    case 6: {
      const value = pick(rng, [Number.NaN, Infinity, -Infinity]);
      const [begin, end] = entry.data_offsets;
      const at = begin + 4 * int(rng, (end - begin) / 4);
      if (entry.dtype === 'F32') data.writeFloatLE(value, at);
      else data.writeUInt16LE(value !== value ? 0x7fc0 : value > 0 ? 0x7f80 : 0xff80, at - (at % 2)); // BF16
      writeSafetensorsRaw(path, header, data);
      return `${file}: ${name} holds ${value}`;
    }
    case 7: {
      delete header[name];
      writeSafetensorsRaw(path, header, data);
      return `${file}: entry ${name} removed`;
    }
    case 8: {
      const end = data.length;
      header['model.layers.0.mlp.surplus.weight'] = { dtype: 'F32', shape: [2], data_offsets: [end, end + 8] };
      writeSafetensorsRaw(path, header, Buffer.concat([data, Buffer.alloc(8)]));
      return `${file}: extra tensor added`;
    }
    case 9: {
      (entry as { data_offsets: unknown }).data_offsets = pick<unknown>(rng, [
        [0, 0],
        [-8, 0],
        [1e15, 1e15 + 4],
        [entry.data_offsets[1], entry.data_offsets[0]],
        'x',
        [0],
      ]);
      writeSafetensorsRaw(path, header, data);
      return `${file}: ${name} data_offsets ${JSON.stringify(entry.data_offsets)}`;
    }
    case 10: {
      header.__metadata__ = pick(rng, [{ format: 1 }, [], 'pt', { nested: { a: 'b' } }]);
      writeSafetensorsRaw(path, header, data);
      return `${file}: __metadata__ ${JSON.stringify(header.__metadata__)}`;
    }
    default:
      return `${file}: file ${replaceFile(path, rng)}`;
  }
}

function mutateIndex(folder: string, rng: Rng): string {
  const path = join(folder, 'model.safetensors.index.json');
  const index = JSON.parse(readText(path)) as { weight_map: Record<string, unknown> };
  const names = Object.keys(index.weight_map);
  const name = pick(rng, names);
  const how = int(rng, 5);
  if (how === 0)
    index.weight_map[name] = pick(rng, [
      '../config.json',
      '/etc/passwd',
      'missing.safetensors',
      7,
      null,
      'config.json',
      '.',
      'model.safetensors.index.json',
    ]);
  else if (how === 1) delete index.weight_map[name];
  else if (how === 2) (index as Json).weight_map = pick(rng, [[], 'x', null, {}]);
  else if (how === 3) index.weight_map['model.layers.9.mlp.up_proj.weight'] = index.weight_map[name];
  else return `index: file ${replaceFile(path, rng)}`;
  writeFileSync(path, JSON.stringify(index));
  return `index: ${JSON.stringify(index.weight_map[name] ?? null).slice(0, 60)} for ${name} (mutation ${how})`;
}

/** Copies `base` to `folder` and applies one or two seeded mutations; returns what was done. */
export function makeMutant(base: string, folder: string, seed: number, sharded: boolean): string {
  cpSync(base, folder, { recursive: true });
  const rng = new Rng(seed, 'model-folder-fuzz');
  const done: string[] = [];
  const count = 1 + (int(rng, 4) === 0 ? 1 : 0);
  for (let k = 0; k < count; k++) {
    const target = int(rng, 10);
    try {
      if (target < 4) done.push(mutateConfig(folder, rng));
      else if (target < 9)
        done.push(
          sharded
            ? int(rng, 3) === 0
              ? mutateIndex(folder, rng)
              : mutateWeights(folder, pick(rng, ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']), rng)
            : mutateWeights(folder, 'model.safetensors', rng),
        );
      else {
        const file = pick(rng, ['tokenizer.json', 'tokenizer_config.json', 'generation_config.json']);
        done.push(`${file}: file ${replaceFile(join(folder, file), rng)}`);
      }
    } catch {
      // A second mutation may find its file already replaced by the first: the first one stands.
      done.push('(second mutation skipped)');
    }
  }
  return done.join('; ');
}
