// `grove export <model> [--format gguf|hf|onnx|peft] [--out PATH] [--dtype f32|f16|q8_0|q4_0] [--force]`: writes a
// model of the forest (or a model folder) in a format other tools load, with a progress line. A light expert goes
// out as a PEFT adapter folder (peft), or folded into its base as a full model (gguf, hf, onnx). The format,
// destination and precision default as in the app's export panel (shared/api/defaults.ts).
import { existsSync, mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Command } from 'commander';
import { exportTarget, type ExportTarget } from '../../app/api/export-target';
import { exportModel, type ExportDtype, type ExportFormat } from '../../engine/export/index';
import { defaultExportDtype, defaultExportFormat, defaultExportPath } from '../../shared/api/defaults';
import { forestTokenizerDir } from '../../app/store/init';
import { forestHomeOf, resolveModel } from '../options';
import { ProgressLine } from '../progress-line';

export function registerExport(program: Command): void {
  program
    .command('export')
    .description(
      'write a model as a Hugging Face folder, a GGUF file (llama.cpp), an ONNX folder (transformers.js), or a light expert as a PEFT adapter folder',
    )
    .argument('<model>', 'name of a model in the forest, or a model folder')
    .option(
      '--format <format>',
      "gguf, hf, onnx, or peft (a light expert's adapter; a light expert in the other formats is folded into its base); default: peft for a light expert, else gguf",
    )
    .option(
      '--out <path>',
      'output file (gguf) or folder (hf, onnx, peft); default: <forest home>/exports/<model>.gguf or <model>-<format>',
    )
    .option(
      '--dtype <dtype>',
      'f32 or f16; gguf also q8_0 or q4_0 (llama.cpp block quantization); onnx: f32 only; default: f16 for gguf and hf, f32 for onnx and peft',
    )
    .option('--force', 'replace an existing output')
    .action(async (model: string, o: { format?: string; out?: string; dtype?: string; force?: boolean }, cmd: Command) => {
      const home = forestHomeOf(cmd);
      // A light expert comes with its base (export-target.ts).
      const target = resolveModel<ExportTarget>(home, model, {
        folder: (folder) => ({ folder }),
        model: (catalog, found) => exportTarget(catalog, home, found),
      });
      const format = (o.format ?? defaultExportFormat(target.light !== undefined)) as ExportFormat;
      const out = o.out ?? defaultExportPath(home, basename(model), format);
      if (o.out === undefined) mkdirSync(dirname(out), { recursive: true });
      const tokenizerDir = forestTokenizerDir(home);
      const line = new ProgressLine();
      const r = await exportModel({
        folder: target.folder,
        ...(target.light ? { light: target.light } : {}),
        format,
        out,
        dtype: (o.dtype ?? defaultExportDtype(format)) as ExportDtype,
        force: o.force === true,
        name: model,
        ...(existsSync(join(tokenizerDir, 'tokenizer.json')) ? { tokenizerDir } : {}),
        onProgress: (p) =>
          line.update(
            `export ${format}: ${p.phase === 'merge' ? 'folding the adapter into its base ' : ''}${((100 * p.done) / p.total).toFixed(0)}%  ${p.tensor}`,
          ),
      });
      line.done();
      const how =
        r.baseModel !== undefined ? `, base_model_name_or_path ${r.baseModel}` : r.merged ? ', its adapter folded into its base' : '';
      console.log(`Exported ${model} as ${r.format} (${r.dtype}${how}) to ${r.out}`);
    });
}
