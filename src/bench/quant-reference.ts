// The exact cost of a model's Q8_0 / Q4_0 weights (bench/quant_reference.py: PyTorch in float64 on the
// weights quantized and dequantized by an independent numpy quantizer), the yardstick beside which Grove's
// and llama.cpp's own quantization costs show what each runtime's arithmetic adds.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { QuantType } from '../engine/quant/plan';

export const QUANT_REFERENCE_SCRIPT = 'bench/quant_reference.py';

export interface QuantReference {
  f32: { perplexity: number };
  /** Per type: the perplexity, and the mean KL(f32 || quantized) of the next-token distributions in nats. */
  quantized: Record<QuantType, { perplexity: number; kl: number }>;
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
    const out = JSON.parse(stdout) as {
      f32: { perplexity: number };
      q8_0: QuantReference['quantized']['q8_0'];
      q4_0: QuantReference['quantized']['q4_0'];
    };
    return { f32: out.f32, quantized: { q8_0: out.q8_0, q4_0: out.q4_0 } };
  } catch (err) {
    const e = err as Error & { stderr?: string };
    return { error: (e.stderr?.trim().split('\n').at(-1) ?? '') || e.message };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
