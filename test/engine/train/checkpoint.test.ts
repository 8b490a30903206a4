import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLatestCheckpoint, removeRunTemps, saveCheckpoint, TENSORS_FILE, type LoopState } from '../../../src/engine/train/checkpoint';
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

  it('does not count a damaged checkpoint towards the ones kept: the last good one survives the next save', async () => {
    const root = join(dir, 'kept');
    await saveCheckpoint(root, state(1), tensors(1));
    const damaged = await saveCheckpoint(root, state(2), tensors(2));
    writeFileSync(join(damaged, TENSORS_FILE), 'garbage');
    const newest = await saveCheckpoint(root, state(3), tensors(3));
    // Counting folders would have kept 2 (damaged) and 3 and deleted 1, the only good one before 3.
    expect(readdirSync(root).sort()).toEqual(['step-000000001', 'step-000000002', 'step-000000003']);
    writeFileSync(join(newest, TENSORS_FILE), 'garbage too');
    const latest = await loadLatestCheckpoint(root);
    expect(latest?.state.step).toBe(1);
    await latest!.tensors.close();
    // Two good ones again: everything older than the second is gone, the damaged one with it.
    await saveCheckpoint(root, state(4), tensors(4));
    await saveCheckpoint(root, state(5), tensors(5));
    expect(readdirSync(root).sort()).toEqual(['step-000000004', 'step-000000005']);
  });

  it('removes what a dead writer left half-written in a run, and nothing else', async () => {
    const run = join(dir, 'run');
    const root = join(run, 'checkpoints');
    await saveCheckpoint(root, state(5), tensors(5));
    mkdirSync(join(root, 'step-000000010.tmp-4242'));
    writeFileSync(join(root, 'step-000000010.tmp-4242', TENSORS_FILE), 'partial');
    writeFileSync(join(run, 'plan.json.tmp-4242'), '{"tot');
    writeFileSync(join(run, 'metrics.jsonl'), '');
    const removed = await removeRunTemps(run);
    expect(removed.map((p) => p.slice(run.length + 1)).sort()).toEqual(['checkpoints/step-000000010.tmp-4242', 'plan.json.tmp-4242']);
    expect(readdirSync(root)).toEqual(['step-000000005']);
    expect(readdirSync(run).sort()).toEqual(['checkpoints', 'metrics.jsonl']);
  });
});
