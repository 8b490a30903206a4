// `grove export <model> --format gguf|hf|onnx --out PATH [--dtype f32|f16|q8_0|q4_0] [--force]`: writes a model of the
// forest (or a model folder) in a format other tools load, with a progress line.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { exportModel, type ExportDtype, type ExportFormat } from '../../engine/export/index';
import { forestTokenizerDir } from '../../engine/store/init';
import { forestHomeOf, resolveModelFolder } from '../options';
import { ProgressLine } from '../progress-line';

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('write a model as a Hugging Face folder, a GGUF file (llama.cpp) or an ONNX folder (transformers.js)')
    .argument('<model>', 'name of a model in the forest, or a model folder')
    .requiredOption('--format <format>', 'gguf, hf or onnx')
    .requiredOption('--out <path>', 'output file (gguf) or folder (hf, onnx)')
    .option('--dtype <dtype>', 'f32 or f16; gguf also q8_0 or q4_0 (llama.cpp block quantization); onnx: f32 only', 'f32')
    .option('--force', 'replace an existing output')
    .action(async (model: string, o: { format: string; out: string; dtype: string; force?: boolean }, cmd: Command) => {
      const home = forestHomeOf(cmd);
      const folder = resolveModelFolder(home, model);
      const tokenizerDir = forestTokenizerDir(home);
      const line = new ProgressLine();
      const r = await exportModel({
        folder,
        format: o.format as ExportFormat,
        out: o.out,
        dtype: o.dtype as ExportDtype,
        force: o.force === true,
        name: model,
        ...(existsSync(join(tokenizerDir, 'tokenizer.json')) ? { tokenizerDir } : {}),
        onProgress: (p) => line.update(`export ${o.format}: ${((100 * p.done) / p.total).toFixed(0)}%  ${p.tensor}`),
      });
      line.done();
      console.log(`Exported ${model} as ${r.format} (${r.dtype}) to ${r.out}`);
    });
}
