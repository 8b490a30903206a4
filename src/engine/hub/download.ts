// Downloads a model from the Hugging Face Hub by repository id and revision into the cache (huggingface_hub's
// snapshot_download, limited to what Grove reads): resumable, verified, reported, cancellable, never twice.
import { readFile, statfs, stat } from 'node:fs/promises';
import { GroveError } from '../../shared/api/errors';
import { fromHfConfig } from '../model/config';
import { linkIntoSnapshot, readRef, repoCacheDir, snapshotDir, writeRef, hasBlob, incompletePath } from './cache';
import { DEFAULT_REVISION, isCommitHash, resolveEndpoint, resolveToken, resolveUrl, validateRepoId, validateRevision } from './endpoint';
import { fetchBlob } from './fetch-blob';
import { gatedError, hubFetch, TransientHubError, type HubTarget } from './http';
import { ProgressReporter, type DownloadProgress } from './progress';
import { readOptionalJson } from './tokenizer-files';
import { fetchRepoInfo, hashFromHeaders, type FileHash, type RepoFile, type RepoInfo } from './repo-info';
import { selectFiles, shardsOfIndex, REQUIRED_FILES, SINGLE_WEIGHTS, WEIGHTS_INDEX } from './select';

export interface DownloadOptions {
  /** The cache folder (e.g. hubCacheDir(forestHome)); one models--owner--name/ folder per repository. */
  cacheDir: string;
  /** Branch, tag or commit (default main). */
  revision?: string;
  /** Access token for gated or private models; default HF_TOKEN or the saved login; false: none. */
  token?: string | false;
  /** The Hub's URL; default HF_ENDPOINT or https://huggingface.co. */
  endpoint?: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  /** Least time between two progress reports (file starts and ends are always reported). Default 250 ms. */
  progressIntervalMs?: number;
  /** Further attempts per file after a dropped connection; default 5. */
  retries?: number;
  /** Pause before the first retry, doubled each time; default 1000 ms. */
  retryDelayMs?: number;
}

export interface DownloadedFile {
  path: string;
  size: number;
  /** Already in the cache: nothing was requested for it. */
  cached: boolean;
}

export interface DownloadResult {
  repoId: string;
  revision: string;
  commit: string;
  /** snapshots/{commit}/: a Hugging Face model folder (config.json, tokenizer.json, safetensors). */
  folder: string;
  files: DownloadedFile[];
  /** Bytes that came over the network in this call. */
  receivedBytes: number;
  /** True when the Hub could not be reached and a complete earlier download of this revision was used. */
  offline: boolean;
}

interface PlannedFile {
  path: string;
  size: number;
  hash: FileHash;
}

export async function downloadModel(repoId: string, options: DownloadOptions): Promise<DownloadResult> {
  const env = options.env ?? process.env;
  const revision = validateRevision(options.revision ?? DEFAULT_REVISION);
  const target: HubTarget = { endpoint: resolveEndpoint(options.endpoint, env), repoId: validateRepoId(repoId), revision };
  const token = resolveToken(options.token, env);
  const repoDir = repoCacheDir(options.cacheDir, repoId);
  const { signal } = options;

  let info: RepoInfo;
  try {
    info = await fetchRepoInfo(target, token, signal);
  } catch (err) {
    const offline = err instanceof TransientHubError ? await cachedSnapshot(repoDir, revision) : null;
    if (offline) return { repoId, revision, commit: offline.commit, folder: offline.folder, files: [], receivedBytes: 0, offline: true };
    throw err;
  }
  // The Hub lists a gated repo's files to anyone, but serves them only with a token of an account that accepted its licence.
  if (info.gated !== false && token === null) throw gatedError(target, false);
  const selection = selectFiles(info);
  const commit = info.commit;
  const small = await Promise.all(
    [...selection.metadata, ...(selection.weights.kind === 'sharded' ? [selection.weights.index] : [])].map((f) =>
      plan(f, target, commit, token, signal),
    ),
  );
  // A single weights file is known now; shards only once the index is read (the total grows then, before they start).
  let weights = selection.weights.kind === 'single' ? [await plan(selection.weights.file, target, commit, token, signal)] : [];

  const progress = new ProgressReporter({ repoId, revision, commit }, options.onProgress, options.progressIntervalMs ?? 250);
  progress.add([...small, ...weights]);
  const results: DownloadedFile[] = [];
  let receivedBytes = 0;
  const fetchOne = async (file: PlannedFile, index: number): Promise<void> => {
    progress.startFile(file.path, index, file.size);
    const result = await fetchBlob({
      repoDir,
      url: resolveUrl(target.endpoint, repoId, commit, file.path),
      hash: file.hash,
      size: file.size,
      token,
      target: { ...target, file: file.path },
      signal,
      retries: options.retries ?? 5,
      retryDelayMs: options.retryDelayMs ?? 1000,
      onBytes: (done, received) => progress.bytes(done, received),
    });
    await linkIntoSnapshot(repoDir, commit, file.path, file.hash.value);
    receivedBytes += result.receivedBytes;
    results.push({ path: file.path, size: file.size, cached: result.cached });
    progress.endFile();
  };

  // Small files first: an unsupported model or a broken index is refused before the weights move.
  const snapshot = snapshotDir(repoDir, commit);
  for (const [i, file] of small.entries()) {
    await fetchOne(file, i);
    if (file.path === 'config.json') fromHfConfig(await readOptionalJson(snapshot, 'config.json'), `${repoId}@${revision}: config.json`);
  }
  if (selection.weights.kind === 'sharded') {
    weights = await Promise.all(
      shardsOfIndex(await readOptionalJson(snapshot, WEIGHTS_INDEX), info).map((f) => plan(f, target, commit, token, signal)),
    );
    progress.add(weights);
  }
  await checkDiskSpace(repoDir, options.cacheDir, weights, repoId);
  for (const [i, file] of weights.entries()) await fetchOne(file, small.length + i);
  if (revision !== commit) await writeRef(repoDir, revision, commit);
  return { repoId, revision, commit, folder: snapshot, files: results, receivedBytes, offline: false };
}

/** Size and hash of a file: from the API's listing, else (mirrors that omit them) from a HEAD of the file. */
async function plan(file: RepoFile, target: HubTarget, commit: string, token: string | null, signal?: AbortSignal): Promise<PlannedFile> {
  if (file.size !== null && file.hash !== null) return { path: file.path, size: file.size, hash: file.hash };
  const fileTarget = { ...target, file: file.path };
  const { response, hubHeaders } = await hubFetch({
    url: resolveUrl(target.endpoint, target.repoId, commit, file.path),
    method: 'HEAD',
    token,
    signal,
    target: fileTarget,
  });
  const hash = file.hash ?? hashFromHeaders(hubHeaders);
  const size = file.size ?? Number(hubHeaders.get('x-linked-size') ?? response.headers.get('content-length') ?? NaN);
  if (hash === null || !Number.isSafeInteger(size)) {
    throw new GroveError(
      'internal',
      `${target.repoId}: the Hub published no hash or size for ${file.path}, so it cannot be verified. Check HF_ENDPOINT (a mirror may not serve them).`,
      { file: file.path },
    );
  }
  return { path: file.path, size, hash };
}

/** Refuses to start what cannot finish: the weights still to fetch must fit on the cache's disk. */
async function checkDiskSpace(repoDir: string, cacheDir: string, files: readonly PlannedFile[], repoId: string): Promise<void> {
  let needed = 0;
  for (const f of files) {
    if (await hasBlob(repoDir, f.hash.value, f.size)) continue;
    needed += f.size - ((await stat(incompletePath(repoDir, f.hash.value)).catch(() => null))?.size ?? 0);
  }
  const fs = await statfs(repoDir).catch(() => statfs(cacheDir).catch(() => null));
  if (fs === null) return;
  const free = fs.bavail * fs.bsize;
  if (needed > free) {
    const gb = (n: number) => `${(n / 1e9).toFixed(2)} GB`;
    throw new GroveError(
      'bad_input',
      `${repoId} needs ${gb(needed)} more on the disk of ${cacheDir}, which has ${gb(free)} free. Free some space or choose another cache folder.`,
      { needed, free, cacheDir },
    );
  }
}

/** A complete earlier download of `revision`, for when the Hub cannot be reached. */
async function cachedSnapshot(repoDir: string, revision: string): Promise<{ commit: string; folder: string } | null> {
  const commit = isCommitHash(revision) ? revision : await readRef(repoDir, revision);
  if (commit === null) return null;
  const folder = snapshotDir(repoDir, commit);
  const present = async (name: string) => (await stat(`${folder}/${name}`).catch(() => null))?.isFile() === true;
  for (const name of REQUIRED_FILES) if (!(await present(name))) return null;
  if (await present(SINGLE_WEIGHTS)) return { commit, folder };
  if (!(await present(WEIGHTS_INDEX))) return null;
  const index = JSON.parse(await readFile(`${folder}/${WEIGHTS_INDEX}`, 'utf8')) as { weight_map?: Record<string, string> };
  for (const shard of new Set(Object.values(index.weight_map ?? {}))) if (!(await present(shard))) return null;
  return { commit, folder };
}
