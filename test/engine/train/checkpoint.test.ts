import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLatestCheckpoint, saveCheckpoint, TENSORS_FILE, type LoopState } from '../../../src/engine/train/checkpoint';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
const state = (step: number): LoopState => ({ step, tokens: step * 100, bestValidLoss: 2.5, evalsSinceBest: 0 });
const tensors = (v: number) => [
  { name: 'model.norm.weight', shape: [4], data: new Float32Array([v, v, v, v]) },
  { name: 'optimizer.m.model.norm.weight', shape: [4], data: new Float32Array([0, 1, 2, v]) },
];

describe('checkpoints', () => {
  it('round-trips state and tensors, keeping only the newest two', async () => {
    const root = join(dir, 'a');
    for (const step of [10, 20, 30]) await saveCheckpoint(root, state(step), tensors(step));
    expect(readdirSync(root).sort()).toEqual(['step-000000020', 'step-000000030']);
    const latest = await loadLatestCheckpoint(root);
    expect(latest?.state).toEqual(state(30));
    expect([...(await latest!.tensors.readFloat32('optimizer.m.model.norm.weight'))]).toEqual([0, 1, 2, 30]);
    await latest!.tensors.close();
  });

  it('never trusts a damaged checkpoint: it falls back to the previous one and says why', async () => {
    const root = join(dir, 'b');
    await saveCheckpoint(root, state(1), tensors(1));
    const damaged = await saveCheckpoint(root, state(2), tensors(2));
    writeFileSync(join(damaged, TENSORS_FILE), 'garbage');
    const warnings: string[] = [];
    const latest = await loadLatestCheckpoint(root, (w) => warnings.push(w));
    expect(latest?.state.step).toBe(1);
    expect(warnings[0]).toMatch(/step-000000002 skipped: .*sha256/);
    await latest!.tensors.close();
  });

  it('ignores a temporary folder left by a crash mid-write, and returns null when nothing is usable', async () => {
    const root = join(dir, 'c');
    await saveCheckpoint(root, state(5), tensors(5));
    writeFileSync(join(root, 'step-000000006.tmp-1234'), 'partial');
    expect((await loadLatestCheckpoint(root))?.state.step).toBe(5);
    expect(await loadLatestCheckpoint(join(dir, 'nothing-here'))).toBeNull();
    expect(existsSync(join(root, 'step-000000005', 'state.json'))).toBe(true);
  });
});
