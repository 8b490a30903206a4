// Where the Hugging Face Hub is and who we are to it: endpoint (HF_ENDPOINT), token (option, HF_TOKEN, the
// token file `hf auth login` writes), repo id validation, and the URLs of the model-info API and of files.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { GroveError } from '../../shared/api/errors';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';
export const DEFAULT_REVISION = 'main';

/** The Hub's base URL: the option, else HF_ENDPOINT (mirrors, tests), else huggingface.co; no trailing slash. */
export function resolveEndpoint(endpoint?: string, env: NodeJS.ProcessEnv = process.env): string {
  const url = endpoint ?? env.HF_ENDPOINT ?? DEFAULT_ENDPOINT;
  try {
    new URL(url);
  } catch {
    throw new GroveError('bad_input', `Hub endpoint ${JSON.stringify(url)} is not a URL; set HF_ENDPOINT to e.g. ${DEFAULT_ENDPOINT}.`, {
      endpoint: url,
    });
  }
  return url.replace(/\/+$/, '');
}

/**
 * The access token, in huggingface_hub's order: the option, HF_TOKEN, the legacy HUGGING_FACE_HUB_TOKEN,
 * then the file `hf auth login` writes (HF_TOKEN_PATH, else $HF_HOME/token, else ~/.cache/huggingface/token).
 * `false` means: send no token at all.
 */
export function resolveToken(token?: string | false, env: NodeJS.ProcessEnv = process.env): string | null {
  if (token === false) return null;
  const given = token ?? env.HF_TOKEN ?? env.HUGGING_FACE_HUB_TOKEN;
  if (given !== undefined && given.trim() !== '') return given.trim();
  const hfHome = env.HF_HOME ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'huggingface');
  try {
    const fromFile = readFileSync(env.HF_TOKEN_PATH ?? join(hfHome, 'token'), 'utf8').trim();
    return fromFile === '' ? null : fromFile;
  } catch {
    return null;
  }
}

/** Same rules as huggingface_hub's validate_repo_id: `name` or `owner/name`, letters, digits, `-_.`. */
export function validateRepoId(repoId: string): string {
  const ok =
    /^(?:[\w\-.]+\/)?[\w\-.]+$/.test(repoId) &&
    repoId.length <= 96 &&
    !repoId.includes('--') &&
    !repoId.includes('..') &&
    !repoId.endsWith('.git') &&
    !/^[-.]|[-.]$|\/[-.]|[-.]\//.test(repoId);
  if (!ok) {
    throw new GroveError(
      'bad_input',
      `"${repoId}" is not a Hugging Face repository id; write it as owner/name, e.g. HuggingFaceTB/SmolLM2-135M-Instruct.`,
      { repoId },
    );
  }
  return repoId;
}

/** A revision is a branch, tag or commit; it becomes a path under refs/, so it may not climb out of it. */
export function validateRevision(revision: string): string {
  if (revision === '' || revision.split('/').some((part) => part === '' || part === '.' || part === '..') || /[\\\0]/.test(revision)) {
    throw new GroveError('bad_input', `"${revision}" is not a revision; give a branch (main), a tag or a commit hash.`, { revision });
  }
  return revision;
}

export function isCommitHash(revision: string): boolean {
  return /^[0-9a-f]{40}$/.test(revision);
}

/** GET: the repo's commit and file list at a revision; `?blobs=true` adds sizes and hashes. */
export function modelInfoUrl(endpoint: string, repoId: string, revision: string): string {
  return `${endpoint}/api/models/${repoId}/revision/${encodeURIComponent(revision)}?blobs=true`;
}

/** GET/HEAD: one file's bytes (LFS files answer with a redirect to their storage). */
export function resolveUrl(endpoint: string, repoId: string, revision: string, path: string): string {
  return `${endpoint}/${repoId}/resolve/${encodeURIComponent(revision)}/${path.split('/').map(encodeURIComponent).join('/')}`;
}

/** The repo's page, where a gated model's licence is accepted. */
export function repoPageUrl(endpoint: string, repoId: string): string {
  return `${endpoint}/${repoId}`;
}
