// The op-profile summary: kernel events of every profile file summed per op type, largest first, and the
// markdown table per unit of work.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kernelMs, opTable, profileByOp } from '../../src/bench/ort-profile';
import { tempDir } from '../helpers/tmp';

const kernel = (op: string, dur: number) => ({ cat: 'Node', name: `${op}_node_kernel_time`, dur, args: { op_name: op } });

describe('ORT profile summary', () => {
  it('sums kernel time per op over files, ignores other events, and tabulates per unit', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'a.json'),
      JSON.stringify([
        kernel('MatMul', 3000),
        kernel('Add', 500),
        { cat: 'Session', name: 'model_run', dur: 9999 },
        { cat: 'Node', name: 'MatMul_fence_before', dur: 7 },
      ]),
    );
    writeFileSync(join(dir, 'b.json'), JSON.stringify([kernel('MatMul', 1000), kernel('GroupQueryAttention', 1500)]));
    writeFileSync(join(dir, 'notes.txt'), 'not a profile');
    const ops = profileByOp(dir);
    expect(ops).toEqual([
      { op: 'MatMul', us: 4000, calls: 2 },
      { op: 'GroupQueryAttention', us: 1500, calls: 1 },
      { op: 'Add', us: 500, calls: 1 },
    ]);
    expect(kernelMs(ops, 2)).toBe(3);
    const table = opTable(ops, 2, 'token', 2);
    expect(table).toContain('| MatMul | 2.000 | 66.7 % | 1 |');
    expect(table).toContain('| GroupQueryAttention | 0.750 | 25.0 % | 1 |');
    expect(table).not.toContain('| Add |');
  });

  it("leaves out each file's first runs with skipRuns", () => {
    const dir = tempDir();
    const at = (op: string, dur: number, ts: number) => ({ ...kernel(op, dur), ts });
    writeFileSync(
      join(dir, 'a.json'),
      JSON.stringify([
        { cat: 'Session', name: 'model_run', ts: 0, dur: 100 },
        at('MatMul', 90, 5),
        { cat: 'Session', name: 'model_run', ts: 200, dur: 50 },
        at('MatMul', 40, 205),
        at('Add', 5, 245),
      ]),
    );
    expect(profileByOp(dir, 1)).toEqual([
      { op: 'MatMul', us: 40, calls: 1 },
      { op: 'Add', us: 5, calls: 1 },
    ]);
    expect(profileByOp(dir, 2)).toEqual([]);
    expect(profileByOp(dir)[0]).toEqual({ op: 'MatMul', us: 130, calls: 2 });
  });
});
