// A light expert's adapter as run inputs, element by element against its PEFT tensors: A^T is A transposed,
// B^T is B transposed times alpha / r; a batch stacks its members at the largest rank with zero padding and
// all-zero factors where a member does not adapt a projection; one adapter alone is fed without a copy;
// a batch row alone is a view of the batch; an adapter for another base shape is refused.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { peftName, writeAdapterFolder } from '../../../src/engine/model/adapter-folder';
import { parseModelConfig, type ModelConfig } from '../../../src/engine/model/config';
import { adapterInputName } from '../../../src/engine/model/llama/adapter';
import { loraSpecs, type LoraConfig } from '../../../src/engine/model/lora';
import { elementCount } from '../../../src/engine/model/names';
import { Rng } from '../../../src/engine/model/rng';
import { SafetensorsFile } from '../../../src/engine/model/safetensors';
import { adapterRow, batchAdapters, loadAdapter, sharedAdapterFeeds } from '../../../src/engine/runtime/adapter-feeds';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
const config = parseModelConfig({
  architecture: 'LlamaForCausalLM',
  vocabSize: 50,
  hiddenSize: 16,
  intermediateSize: 24,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
});
const Q = 'model.layers.1.self_attn.q_proj';
const UP = 'model.layers.0.mlp.up_proj';

async function write(name: string, c: ModelConfig, lora: LoraConfig): Promise<string> {
  const tensors = new Map(
    loraSpecs(c, lora).map((s) => [s.name, new Rng(8, `${name}/${s.name}`).fillNormal(new Float32Array(elementCount(s.shape)), 0, 1)]),
  );
  await writeAdapterFolder(join(dir, name), { config: c, lora, baseModel: 'base', tensors });
  return join(dir, name);
}

describe('adapter feeds', () => {
  it('transposes and scales, stacks members at the largest rank, and views a row without copying', async () => {
    const small = await write('small', config, { rank: 2, alpha: 3, targets: ['q_proj', 'up_proj'] });
    const wide = await write('wide', config, { rank: 4, alpha: 2, targets: ['q_proj'] });
    const file = await SafetensorsFile.open(join(small, 'adapter_model.safetensors'));
    const A = await file.readFloat32(peftName(`${Q}.lora_A.weight`)); // [2, 16]
    const B = await file.readFloat32(peftName(`${Q}.lora_B.weight`)); // [16, 2]
    await file.close();
    const a = await loadAdapter(small, config);
    const q = a.factors.get(Q)!;
    for (let i = 0; i < 16; i++) for (let k = 0; k < 2; k++) expect(q.aT[i * 2 + k]).toBe(A[k * 16 + i]);
    for (let k = 0; k < 2; k++) for (let o = 0; o < 16; o++) expect(q.bT[k * 16 + o]).toBeCloseTo((3 / 2) * B[o * 2 + k]!, 6);

    // Alone: its own arrays, at its own rank.
    const alone = batchAdapters(config, [a]);
    expect(alone.feeds[adapterInputName(Q, 'A')]!.data).toBe(q.aT);
    expect(alone.feeds[adapterInputName(Q, 'A')]!.dims).toEqual([1, 16, 2]);
    expect(sharedAdapterFeeds(config, a)[adapterInputName(Q, 'B')]!.dims).toEqual([2, 16]);

    const b = await loadAdapter(wide, config);
    const batch = batchAdapters(config, [a, b]);
    expect(batch.rank).toBe(4);
    expect(batch.targets).toEqual(['q_proj', 'up_proj']);
    const aT = batch.feeds[adapterInputName(Q, 'A')]!;
    const bT = batch.feeds[adapterInputName(Q, 'B')]!;
    expect(aT.dims).toEqual([2, 16, 4]);
    expect(bT.dims).toEqual([2, 4, 16]);
    const at = aT.data as Float32Array;
    const bt = bT.data as Float32Array;
    // Row 0 (rank 2): its values then two zero columns of A^T, two zero rows of B^T. Row 1 (rank 4): as loaded.
    for (let i = 0; i < 16; i++) expect(Array.from(at.subarray(i * 4, i * 4 + 4))).toEqual([q.aT[i * 2]!, q.aT[i * 2 + 1]!, 0, 0]);
    expect(Array.from(bt.subarray(0, 32))).toEqual(Array.from(q.bT));
    expect(Array.from(bt.subarray(32, 64)).every((x) => x === 0)).toBe(true);
    expect(Array.from(at.subarray(64))).toEqual(Array.from(b.factors.get(Q)!.aT));
    // up_proj: adapted by row 0 only; row 1 all zeros.
    const up = batch.feeds[adapterInputName(UP, 'A')]!.data as Float32Array;
    expect(Array.from(up.subarray(16 * 4)).every((x) => x === 0)).toBe(true);
    expect(Array.from(up.subarray(0, 16 * 4)).some((x) => x !== 0)).toBe(true);

    const row = adapterRow(batch, 1)[adapterInputName(Q, 'A')]!;
    expect(row.dims).toEqual([1, 16, 4]);
    expect((row.data as Float32Array).buffer).toBe(at.buffer);
    expect(Array.from(row.data as Float32Array)).toEqual(Array.from(at.subarray(64)));
  });

  it('refuses an adapter written for a base of another shape', async () => {
    const wider = parseModelConfig({
      architecture: 'LlamaForCausalLM',
      vocabSize: 50,
      hiddenSize: 32,
      intermediateSize: 24,
      numHiddenLayers: 2,
      numAttentionHeads: 4,
      numKeyValueHeads: 2,
    });
    const folder = await write('other-base', wider, { rank: 2, alpha: 2, targets: ['q_proj'] });
    await expect(loadAdapter(folder, config)).rejects.toThrow(/trained on another base/);
  });
});
