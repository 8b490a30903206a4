// A model repository at one revision, from `GET /api/models/{repo}/revision/{rev}?blobs=true`: the commit it
// resolves to and each file's size and published hash (sha256 for LFS files, the git blob id for the rest).
import { GroveError } from '../../shared/api/errors';
import { modelInfoUrl } from './endpoint';
import { hubJson, type HubTarget } from './http';

/** How a file's content is checked: LFS files by sha256, plain git files by their git blob id (sha1). */
export interface FileHash {
  kind: 'sha256' | 'git-sha1';
  value: string;
}

export interface RepoFile {
  /** Path inside the repository ("config.json", "onnx/model.onnx"). */
  path: string;
  /** Bytes of the content (for LFS files: of the real file, not of its pointer); null when the Hub did not say. */
  size: number | null;
  hash: FileHash | null;
}

export interface RepoInfo {
  repoId: string;
  /** The commit the revision resolved to (40 hex digits). */
  commit: string;
  /** false, or how access is granted ("auto", "manual"). */
  gated: false | string;
  files: RepoFile[];
}

export async function fetchRepoInfo(target: HubTarget, token: string | null, signal?: AbortSignal): Promise<RepoInfo> {
  const json = await hubJson({ url: modelInfoUrl(target.endpoint, target.repoId, target.revision), token, signal, target });
  return parseRepoInfo(json, target);
}

/** Validates the API's answer; only the fields Grove relies on are read. */
export function parseRepoInfo(json: unknown, target: HubTarget): RepoInfo {
  const bad = (what: string): never => {
    throw new GroveError(
      'internal',
      `${target.repoId}@${target.revision}: unexpected answer from ${target.endpoint} (${what}). Check HF_ENDPOINT, or try again later.`,
      { repoId: target.repoId },
    );
  };
  if (typeof json !== 'object' || json === null) return bad('not a JSON object');
  const info = json as { sha?: unknown; siblings?: unknown; gated?: unknown };
  if (typeof info.sha !== 'string' || !/^[0-9a-f]{40}$/.test(info.sha)) return bad('no commit "sha"');
  if (!Array.isArray(info.siblings)) return bad('no "siblings" list');
  const files = info.siblings.map((s: unknown): RepoFile => {
    const sibling = s as { rfilename?: unknown; size?: unknown; blobId?: unknown; lfs?: { sha256?: unknown; size?: unknown } | null };
    if (typeof sibling?.rfilename !== 'string') return bad('a sibling without "rfilename"');
    const path = sibling.rfilename;
    if (path.split('/').some((part) => part === '' || part === '.' || part === '..') || path.includes('\\'))
      return bad(`file name ${JSON.stringify(path)}`);
    const lfs = sibling.lfs;
    if (lfs && typeof lfs.sha256 === 'string' && /^[0-9a-f]{64}$/.test(lfs.sha256)) {
      return { path, size: typeof lfs.size === 'number' ? lfs.size : null, hash: { kind: 'sha256', value: lfs.sha256 } };
    }
    const hash =
      typeof sibling.blobId === 'string' && /^[0-9a-f]{40}$/.test(sibling.blobId)
        ? { kind: 'git-sha1' as const, value: sibling.blobId }
        : null;
    return { path, size: typeof sibling.size === 'number' ? sibling.size : null, hash };
  });
  const gated = typeof info.gated === 'string' ? info.gated : false;
  return { repoId: target.repoId, commit: info.sha, gated, files };
}

/** The ETag forms the Hub uses (`"abc"`, `W/"abc"`) reduced to the bare value, as huggingface_hub does. */
export function normalizeEtag(etag: string | null): string | null {
  if (etag === null) return null;
  return etag.replace(/^W\//, '').replace(/^"|"$/g, '');
}

/** A hash from a file's headers (X-Linked-Etag for LFS, else ETag), when the API gave none. */
export function hashFromHeaders(headers: Headers): FileHash | null {
  const etag = normalizeEtag(headers.get('x-linked-etag') ?? headers.get('etag'));
  if (etag === null) return null;
  if (/^[0-9a-f]{64}$/.test(etag)) return { kind: 'sha256', value: etag };
  if (/^[0-9a-f]{40}$/.test(etag)) return { kind: 'git-sha1', value: etag };
  return null;
}
