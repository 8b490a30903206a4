// The bundle's progress file (progress.json), for whoever owns the bundle (a person, Slurm, a Kubernetes
// operator) to read while it runs: the state, step of steps, loss, tokens/s, ETA, written durably (a reader
// never sees half a file) at most every `everyMs` while training, and at once on every change of state.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { TrainProgress } from '../../shared/api/events';
import { writeFileDurable } from '../../engine/durable-write';
import { BUNDLE_PATHS } from './manifest';

export const BundleState = z.enum(['verifying', 'training', 'stopped', 'saving', 'done', 'failed']);
export type BundleState = z.output<typeof BundleState>;

export const BundleProgress = z
  .object({
    state: BundleState,
    step: z.number().int(),
    totalSteps: z.number().int().nullable(),
    tokens: z.number().int(),
    loss: z.number().nullable(),
    validLoss: z.number().nullable(),
    tokensPerSecond: z.number().nullable(),
    etaSeconds: z.number().nullable(),
    /** The step this start resumed from (0: from the beginning). */
    resumedFromStep: z.number().int(),
    /** How many times `grove bundle run` started on this bundle. */
    starts: z.number().int(),
    /** The highest peak resident memory of the processes that ran it. */
    peakMemoryBytes: z.number().int(),
    error: z.string().nullable(),
    updatedAt: z.string(),
  })
  .strict();
export type BundleProgress = z.output<typeof BundleProgress>;

/** The progress file as last written, or null where there is none (or it is not one). */
export function readBundleProgress(dir: string): BundleProgress | null {
  try {
    const parsed = BundleProgress.safeParse(JSON.parse(readFileSync(join(dir, BUNDLE_PATHS.progress), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export class ProgressFile {
  private current: BundleProgress;
  private lastWrite = 0;
  private stepped = false;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly dir: string,
    private readonly everyMs = 2000,
  ) {
    const before = readBundleProgress(dir);
    this.current = {
      state: 'verifying',
      step: before?.step ?? 0,
      totalSteps: before?.totalSteps ?? null,
      tokens: before?.tokens ?? 0,
      loss: before?.loss ?? null,
      validLoss: before?.validLoss ?? null,
      tokensPerSecond: null,
      etaSeconds: null,
      resumedFromStep: 0,
      starts: (before?.starts ?? 0) + 1,
      peakMemoryBytes: before?.peakMemoryBytes ?? 0,
      error: null,
      updatedAt: new Date().toISOString(),
    };
  }

  get progress(): BundleProgress {
    return this.current;
  }

  /** A training step's report: written when `everyMs` has passed since the last write, or at a checkpoint. */
  step(p: TrainProgress): Promise<void> {
    // The first step this start reports is the one after where it began (0, or the checkpoint it resumed from).
    const resumedFromStep = this.stepped ? this.current.resumedFromStep : p.step - 1;
    this.stepped = true;
    this.current = {
      ...this.current,
      state: 'training',
      step: p.step,
      totalSteps: p.totalSteps,
      tokens: p.tokens,
      loss: p.loss,
      validLoss: p.validLoss ?? this.current.validLoss,
      tokensPerSecond: p.tokensPerSecond,
      etaSeconds: p.etaSeconds,
      resumedFromStep,
    };
    const due = Date.now() - this.lastWrite >= this.everyMs || p.checkpoint !== undefined || p.step === p.totalSteps;
    return due ? this.write() : this.writing;
  }

  /** A change of state (or of anything else): written now. */
  set(change: Partial<BundleProgress>): Promise<void> {
    this.current = { ...this.current, ...change };
    return this.write();
  }

  private write(): Promise<void> {
    this.lastWrite = Date.now();
    const peakMemoryBytes = Math.max(this.current.peakMemoryBytes, process.resourceUsage().maxRSS * 1024);
    this.current = { ...this.current, peakMemoryBytes, updatedAt: new Date().toISOString() };
    const text = `${JSON.stringify(this.current, null, 2)}\n`;
    // One write at a time, in order: the file on disk is always the newest that finished.
    this.writing = this.writing.then(() => writeFileDurable(join(this.dir, BUNDLE_PATHS.progress), text));
    return this.writing;
  }
}
