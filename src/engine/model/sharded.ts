// Sharded Hugging Face checkpoints: model.safetensors.index.json maps each tensor to one shard file;
// this reader presents the shards as one TensorReader, opening each shard once.
import { basename, dirname, join } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import { readModelJson } from './model-file';
import { SafetensorsFile, type ElementRange, type TensorInfo, type TensorReader } from './safetensors';

export const INDEX_FILE = 'model.safetensors.index.json';
/** A 400B model's index is a few MB. */
const MAX_INDEX_BYTES = 64 << 20;

export class ShardedSafetensors implements TensorReader {
  private constructor(
    readonly indexPath: string,
    private readonly shardOf: Map<string, SafetensorsFile>,
    private readonly shards: SafetensorsFile[],
    readonly metadata: Readonly<Record<string, string>>,
  ) {}

  static async open(indexPath: string): Promise<ShardedSafetensors> {
    const bad = (what: string): never => {
      throw new GroveError('bad_input', `${indexPath}: ${what}. Re-download the checkpoint's index file.`, { path: indexPath });
    };
    const index = (await readModelJson(indexPath, 'safetensors index', MAX_INDEX_BYTES)) as {
      weight_map?: unknown;
      metadata?: unknown;
    } | null;
    if (typeof index !== 'object' || index === null || Array.isArray(index)) return bad('it is not a JSON object');
    const map = index.weight_map;
    if (typeof map !== 'object' || map === null || Array.isArray(map)) return bad('it has no "weight_map" object');
    const byFile = new Map<string, SafetensorsFile>();
    const shardOf = new Map<string, SafetensorsFile>();
    try {
      for (const [tensor, file] of Object.entries(map as Record<string, unknown>)) {
        // Shards live next to the index: refuse paths that would reach anywhere else.
        if (typeof file !== 'string' || file !== basename(file) || file === '..' || file === '.')
          return bad(`tensor "${tensor}" maps to ${JSON.stringify(file)}, which is not a file name in the same folder`);
        let shard = byFile.get(file);
        if (!shard) {
          shard = await SafetensorsFile.open(join(dirname(indexPath), file));
          byFile.set(file, shard);
        }
        if (!shard.has(tensor)) return bad(`tensor "${tensor}" is mapped to ${file}, which does not contain it`);
        shardOf.set(tensor, shard);
      }
    } catch (err) {
      await Promise.all([...byFile.values()].map((s) => s.close()));
      throw err;
    }
    const metadata: Record<string, string> = {};
    if (typeof index.metadata === 'object' && index.metadata !== null) {
      for (const [k, v] of Object.entries(index.metadata)) metadata[k] = typeof v === 'string' ? v : JSON.stringify(v);
    }
    return new ShardedSafetensors(indexPath, shardOf, [...byFile.values()], metadata);
  }

  get tensorNames(): readonly string[] {
    return [...this.shardOf.keys()];
  }

  has(name: string): boolean {
    return this.shardOf.has(name);
  }

  private shard(name: string): SafetensorsFile {
    const shard = this.shardOf.get(name);
    if (!shard)
      throw new GroveError('not_found', `${this.indexPath}: no tensor named "${name}". Check the model's architecture and tensor names.`, {
        tensor: name,
        path: this.indexPath,
      });
    return shard;
  }

  info(name: string): TensorInfo {
    return this.shard(name).info(name);
  }

  readBytes(name: string, range?: ElementRange): Promise<Uint8Array> {
    return this.shard(name).readBytes(name, range);
  }

  readFloat32(name: string, range?: ElementRange): Promise<Float32Array> {
    return this.shard(name).readFloat32(name, range);
  }

  async close(): Promise<void> {
    await Promise.all(this.shards.map((s) => s.close()));
  }
}
