// The PyTorch baseline as a process the engine suite drives step by step (bench/torch_llama_module.py: the
// same Llama as nn.Module layers, default AdamW, OpenBLAS), so Grove's runs and PyTorch's are interleaved in
// one measurement instead of timed in separate blocks that a changing machine load would bias.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { toHfConfig, type ModelConfig } from '../engine/model/config';

/** Debian's OpenMP OpenBLAS: the reference BLAS torch falls back to is ~20x slower, an unfair baseline. */
const OPENBLAS = '/usr/lib/x86_64-linux-gnu/openblas-openmp';
/**
 * Debian's jemalloc (libjemalloc2), set to keep the pages it frees. PyTorch's CPU allocator hands every large
 * tensor back to the system when it is freed and maps it afresh on the next call, so each step of eager
 * PyTorch touches its activations' pages anew; where a page fault is costly (a Firecracker VM with an AMD EPYC
 * family 26: about 8 us a page) that dominated its time: log_softmax over [16, 256, 8192] 223 ms with glibc's
 * malloc, 13.5 ms with this; a 4096x128x8192 product 33 -> 180 GFLOP/s; the tiny shape's train step 1.37 s ->
 * 0.53 s. PyTorch's own CPU tuning guide recommends jemalloc or TCMalloc; without them the baseline is unfair.
 */
const JEMALLOC = '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2';
export const TORCH_BASELINE_SCRIPT = 'bench/torch_llama_module.py';

export class TorchBaseline {
  private readonly replies: AsyncIterator<string>;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    lines: Interface,
    private readonly stderr: () => string,
    /** The memory allocator PyTorch ran with, for the report. */
    readonly allocator: string,
  ) {
    this.replies = lines[Symbol.asyncIterator]();
  }

  /** Starts the baseline on a shape; null with the reason where it cannot run (no torch, no script). */
  static async start(
    config: ModelConfig,
    shape: { batch: number; context: number },
    threads: number,
  ): Promise<TorchBaseline | { error: string }> {
    const script = join(process.cwd(), TORCH_BASELINE_SCRIPT);
    if (!existsSync(script)) return { error: `${script} not found (run from the Grove folder)` };
    const jemalloc = existsSync(JEMALLOC);
    const child = spawn(
      '/usr/bin/python3',
      [
        script,
        '--config',
        JSON.stringify(toHfConfig(config)),
        '--batch',
        String(shape.batch),
        '--context',
        String(shape.context),
        '--threads',
        String(threads),
      ],
      {
        env: {
          ...process.env,
          LD_LIBRARY_PATH: existsSync(OPENBLAS) ? OPENBLAS : (process.env.LD_LIBRARY_PATH ?? ''),
          OMP_NUM_THREADS: String(threads),
          ...(jemalloc ? { LD_PRELOAD: JEMALLOC, MALLOC_CONF: 'dirty_decay_ms:-1,muzzy_decay_ms:-1' } : {}),
        },
      },
    );
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    const spawned = await new Promise<Error | null>((resolve) => {
      child.once('spawn', () => resolve(null));
      child.once('error', resolve);
    });
    if (spawned) return { error: `/usr/bin/python3 could not start (${spawned.message})` };
    const allocator = jemalloc ? 'jemalloc keeping freed pages' : 'glibc malloc (no libjemalloc2: slow where page faults are)';
    const baseline = new TorchBaseline(child, createInterface({ input: child.stdout }), () => err, allocator);
    try {
      await baseline.reply();
    } catch (e) {
      return { error: e instanceof Error ? e.message : String(e) };
    }
    return baseline;
  }

  private async reply(): Promise<Record<string, number>> {
    const next = await this.replies.next();
    if (next.done) throw new Error(`the PyTorch baseline exited: ${this.stderr().trim().split('\n').at(-1) ?? 'no message'}`);
    return JSON.parse(next.value) as Record<string, number>;
  }

  private async request(op: Record<string, unknown>): Promise<Record<string, number>> {
    this.child.stdin.write(`${JSON.stringify(op)}\n`);
    return this.reply();
  }

  /** One optimizer step on its fixed batch. */
  train = (): Promise<unknown> => this.request({ op: 'train' });
  /** Per-token log-likelihoods of the batch. */
  score = (): Promise<unknown> => this.request({ op: 'score' });
  /** `tokens` greedy tokens with a KV cache. */
  decode = (tokens: number): Promise<unknown> => this.request({ op: 'decode', tokens });

  async peakRssMiB(): Promise<number> {
    return (await this.request({ op: 'rss' })).peak_rss_mib as number;
  }

  close(): void {
    this.child.stdin.end();
    this.child.kill();
  }
}
