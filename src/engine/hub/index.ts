// Hugging Face import and download: the hub module's public surface for the API, the CLI and the workers.
export { downloadModel } from './download';
export type { DownloadOptions, DownloadResult, DownloadedFile } from './download';
export type { DownloadProgress } from './progress';
export { hubCacheDir, repoCacheDir } from './cache';
export { DEFAULT_ENDPOINT, DEFAULT_REVISION, resolveEndpoint, resolveToken, validateRepoId } from './endpoint';
export { importModelFolder } from './import';
export type { ImportedModel, WeightsDtype } from './import';
export { promptFor, renderChatTemplate } from './chat-template';
export type { ChatMessage, ChatTemplateOptions } from './chat-template';
export type { GenerationDefaults, SpecialTokenNames } from './tokenizer-files';
export { CURATED_MODELS, curatedModel, formatBytes } from './curated';
export type { CuratedModel } from './curated';
