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
export const TORCH_BASELINE_SCRIPT = 'bench/torch_llama_module.py';

export class TorchBaseline {
  private readonly replies: AsyncIterator<string>;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    lines: Interface,
    private readonly stderr: () => string,
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
    const baseline = new TorchBaseline(child, createInterface({ input: child.stdout }), () => err);
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
