// Training speeds measured on this machine (measureTraining's short timing of the seed's shape), kept in the
// forest home so that an estimate made later, or after a restart, still has them. One entry per shape,
// batch layout, threads, device and kind of expert; a new measurement replaces the one it repeats. The file
// is written whole and renamed into place (durable-write.ts); one that does not parse is ignored, as if
// nothing had been measured, and replaced by the next measurement.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileDurable } from '../durable-write';

export const SPEED_FILE = 'training-speed.json';

/** What a training's speed depends on, besides the device: the model and the step's shape. */
export const TrainingShape = z.object({
  /** The model's architecture JSON as the catalog keeps it (the seed's). */
  architecture: z.string(),
  batchSize: z.number().int().positive(),
  microBatches: z.number().int().positive(),
  /** Activations recomputed in the backward pass (a speed measured before Grove had it: without). */
  recompute: z.boolean().default(false),
  contextLength: z.number().int().positive(),
  /** The threads asked for (0: ONNX Runtime's default, every core). */
  threads: z.number().int().min(0),
});

export const MeasuredSpeed = TrainingShape.extend({
  /** The execution provider the steps ran on. */
  device: z.string(),
  kind: z.enum(['full', 'light']),
  /** Training FLOPs per second over the timed steps (train/estimate.ts trainingFlopsPerToken). */
  flopsPerSecond: z.number().positive(),
  tokensPerSecond: z.number().positive(),
  /** Steps timed (after one untimed warm-up step). */
  steps: z.number().int().positive(),
  measuredAt: z.string(),
}).strict();
export type MeasuredSpeed = z.output<typeof MeasuredSpeed>;

const SpeedFile = z.object({ format: z.literal('grove-training-speed/1'), speeds: z.array(MeasuredSpeed) }).strict();

const sameRun = (a: MeasuredSpeed, b: MeasuredSpeed): boolean =>
  a.architecture === b.architecture &&
  a.batchSize === b.batchSize &&
  a.microBatches === b.microBatches &&
  a.recompute === b.recompute &&
  a.contextLength === b.contextLength &&
  a.threads === b.threads &&
  a.device === b.device &&
  a.kind === b.kind;

export function readMeasuredSpeeds(home: string): MeasuredSpeed[] {
  let text: string;
  try {
    text = readFileSync(join(home, SPEED_FILE), 'utf8');
  } catch {
    return [];
  }
  try {
    const parsed = SpeedFile.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data.speeds : [];
  } catch {
    return [];
  }
}

/** Adds measurements, replacing earlier ones of the same shape, layout, threads, device and kind. */
export async function recordMeasuredSpeeds(home: string, speeds: readonly MeasuredSpeed[]): Promise<void> {
  const kept = readMeasuredSpeeds(home).filter((old) => !speeds.some((s) => sameRun(old, s)));
  const file: z.output<typeof SpeedFile> = {
    format: 'grove-training-speed/1',
    speeds: [...kept, ...speeds.map((s) => MeasuredSpeed.parse(s))],
  };
  await writeFileDurable(join(home, SPEED_FILE), `${JSON.stringify(file, null, 2)}\n`);
}
