// The exact cost of a model's Q8_0 / Q4_0 weights (bench/quant_reference.py: PyTorch in float64 on the
// weights quantized and dequantized by an independent numpy quantizer), and of those weights with every
// product's input rounded to int8 blocks as the runtimes' kernels do: the yardsticks beside which Grove's and
// llama.cpp's own quantization costs show what each runtime's arithmetic adds.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { QuantType } from '../engine/quant/plan';

export const QUANT_REFERENCE_SCRIPT = 'bench/quant_reference.py';

/** A perplexity, and the mean KL(f32 || this) of the next-token distributions in nats. */
export interface QuantCost {
  perplexity: number;
  kl: number;
}

export interface QuantReference {
  f32: { perplexity: number };
  /** Per type: the quantized weights alone, and with every product's input rounded to Q8_0 blocks too. */
  quantized: Record<QuantType, QuantCost & { int8Activations: QuantCost }>;
}

/** The reference's figures for `ids` under the model in `folder`, or the reason it could not run. */
export async function quantReference(folder: string, ids: readonly number[]): Promise<QuantReference | { error: string }> {
  const script = join(process.cwd(), QUANT_REFERENCE_SCRIPT);
  if (!existsSync(script)) return { error: `${script} not found (run from the Grove folder)` };
  const dir = mkdtempSync(join(tmpdir(), 'grove-quant-reference-'));
  try {
    const tokens = join(dir, 'ids.json');
    writeFileSync(tokens, JSON.stringify(ids));
    const { stdout } = await promisify(execFile)('/usr/bin/python3', [script, '--model', folder, '--tokens', tokens], {
      maxBuffer: 1 << 20,
    });
    type Written = QuantCost & { int8_activations: QuantCost };
    const out = JSON.parse(stdout) as { f32: { perplexity: number }; q8_0: Written; q4_0: Written };
    const read = ({ int8_activations, ...weights }: Written) => ({ ...weights, int8Activations: int8_activations });
    return { f32: out.f32, quantized: { q8_0: read(out.q8_0), q4_0: read(out.q4_0) } };
  } catch (err) {
    const e = err as Error & { stderr?: string };
    return { error: (e.stderr?.trim().split('\n').at(-1) ?? '') || e.message };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
