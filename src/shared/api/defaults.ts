// The product's defaults, in one place for every host: the app's screens, the CLI's flags, the engine's API
// (its schemas) and the OpenAI-compatible endpoint. A person who does the same thing in the app and in the
// CLI gets the same result (issue 20, "one behaviour"); test/cli/one-behaviour.test.ts checks it on one forest.

/** New tokens per reply (chat) or continuation (generate) at most, where the person sets none. */
export const DEFAULT_REPLY_TOKENS = 256;

/** A new expert's budget where none is given: passes over its domain's training text. */
export const DEFAULT_EXPERT_PASSES = 2;

/** Optimizer steps for `passes` over `trainTokens`, at `tokensPerStep` (batch x context); at least 20, so the schedule has a warmup and a decay. */
export const stepsForPasses = (passes: number, trainTokens: number, tokensPerStep: number): number =>
  Math.max(20, Math.ceil((passes * trainTokens) / tokensPerStep));

/** Posterior branch init: how many of the most likely experts are averaged into a new expert. */
export const DEFAULT_BRANCH_TOP_K = 2;

export type ExportFormatName = 'gguf' | 'hf' | 'onnx' | 'peft';
export type ExportDtypeName = 'f32' | 'f16' | 'q8_0' | 'q4_0';

/** A light expert goes out as its adapter (PEFT); a full model as one GGUF file, what local chat apps load. */
export const defaultExportFormat = (light: boolean): ExportFormatName => (light ? 'peft' : 'gguf');

/**
 * 16-bit where the format stores it and the tools that read it expect it (GGUF, Hugging Face folders): half the
 * size for a loss far below what sampling notices; ONNX (transformers.js loads Grove's f32 graph) and PEFT
 * adapters (small; trained in f32) stay 32-bit.
 */
export const defaultExportDtype = (format: ExportFormatName): ExportDtypeName => (format === 'gguf' || format === 'hf' ? 'f16' : 'f32');

/** The precisions each format holds: GGUF also llama.cpp's block types; ONNX only f32. */
export function exportDtypes(format: ExportFormatName): ExportDtypeName[] {
  if (format === 'gguf') return ['f16', 'f32', 'q8_0', 'q4_0'];
  return format === 'onnx' ? ['f32'] : ['f16', 'f32'];
}

/** Where an export goes unless the person names a place: `<forest home>/exports/<model>.gguf`, or a `<model>-<format>` folder. */
export function defaultExportPath(home: string, model: string, format: ExportFormatName): string {
  const sep = home.includes('\\') && !home.includes('/') ? '\\' : '/';
  return `${home.replace(/[\\/]+$/, '')}${sep}exports${sep}${model}${format === 'gguf' ? '.gguf' : `-${format}`}`;
}

/** The collapse target where none is chosen: the cached prior on the mix of every domain (one model for all of them). */
export const DEFAULT_COLLAPSE_TARGET = 'mix';
