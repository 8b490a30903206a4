// HTTP to the Hub: redirects followed by hand (the token goes only to the Hub's own origin, never to the
// storage an LFS file redirects to), and the Hub's error answers (X-Error-Code) turned into clear GroveErrors.
import { GroveError } from '../../shared/api/errors';
import { repoPageUrl } from './endpoint';

/** What a request is about, so that an error can name it. */
export interface HubTarget {
  endpoint: string;
  repoId: string;
  revision: string;
  file?: string;
}

export interface HubRequest {
  url: string;
  method?: 'GET' | 'HEAD';
  token: string | null;
  /** Ask for the bytes from this offset on (`Range: bytes=N-`), to resume a download. */
  rangeStart?: number;
  signal?: AbortSignal | undefined;
  target: HubTarget;
}

export interface HubResponse {
  /** The last response (the file's bytes, after any redirect). */
  response: Response;
  /** The Hub's own first response: LFS files carry X-Linked-Etag / X-Linked-Size / X-Repo-Commit on the redirect. */
  hubHeaders: Headers;
}

const MAX_REDIRECTS = 10;

/** Errors worth another try after a pause: the network, a dropped connection, 5xx, 429. */
export class TransientHubError extends GroveError {
  constructor(message: string, details?: unknown) {
    super('internal', message, details);
  }
}

export async function hubFetch(request: HubRequest): Promise<HubResponse> {
  const { target } = request;
  let url = request.url;
  let hubHeaders: Headers | null = null;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const headers: Record<string, string> = { 'user-agent': 'grove', 'accept-encoding': 'identity' };
    // The token is for the Hub only: a redirect to another origin (LFS storage, a CDN) must not see it.
    if (request.token !== null && new URL(url).origin === new URL(target.endpoint).origin)
      headers.authorization = `Bearer ${request.token}`;
    if (request.rangeStart !== undefined && request.rangeStart > 0) headers.range = `bytes=${request.rangeStart}-`;
    let response: Response;
    try {
      response = await fetch(url, { method: request.method ?? 'GET', headers, redirect: 'manual', signal: request.signal ?? null });
    } catch (err) {
      if (request.signal?.aborted) throw request.signal.reason;
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new TransientHubError(
        `Cannot reach ${new URL(url).origin} (${cause?.code ?? cause?.message ?? (err as Error).message}). Check the network connection (or HF_ENDPOINT) and try again.`,
        { url },
      );
    }
    hubHeaders ??= response.headers;
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location !== null) {
      await response.body?.cancel();
      url = new URL(location, url).toString();
      continue;
    }
    if (!response.ok) {
      const error = await errorFor(response, request);
      throw error;
    }
    return { response, hubHeaders };
  }
  throw new GroveError('internal', `${describe(target)}: more than ${MAX_REDIRECTS} redirects. Try again later.`, { url: request.url });
}

/** Reads a JSON answer of the Hub's API. */
export async function hubJson(request: HubRequest): Promise<unknown> {
  const { response } = await hubFetch(request);
  try {
    return await response.json();
  } catch (err) {
    if (request.signal?.aborted) throw request.signal.reason;
    throw new TransientHubError(`${describe(request.target)}: the Hub's answer was not JSON (${(err as Error).message}). Try again.`, {
      url: request.url,
    });
  }
}

function describe(target: HubTarget): string {
  return `${target.repoId}@${target.revision}${target.file !== undefined ? `: ${target.file}` : ''}`;
}

/** A gated model (Llama, some others): the licence must be accepted on the Hub, and a token sent. */
export function gatedError(target: HubTarget, hasToken: boolean, details?: unknown): GroveError {
  const page = repoPageUrl(target.endpoint, target.repoId);
  return new GroveError(
    hasToken ? 'forbidden' : 'unauthorized',
    hasToken
      ? `${target.repoId} is a gated model and this token has no access to it. Accept its licence at ${page} with the account the token belongs to (approval can take a while), then try again.`
      : `${target.repoId} is a gated model: accept its licence at ${page}, create an access token at ${target.endpoint}/settings/tokens, then pass it with --token or set HF_TOKEN.`,
    details ?? { repoId: target.repoId, gated: true },
  );
}

/** huggingface_hub's hf_raise_for_status, in Grove's words: what failed, for which repo/revision/file, what to do. */
async function errorFor(response: Response, request: HubRequest): Promise<GroveError> {
  const { target } = request;
  const code = response.headers.get('x-error-code');
  const hubMessage = response.headers.get('x-error-message') ?? (await response.text().catch(() => '')).slice(0, 300);
  const details = {
    status: response.status,
    errorCode: code,
    hubMessage,
    repoId: target.repoId,
    revision: target.revision,
    file: target.file,
    url: request.url,
  };
  const page = repoPageUrl(target.endpoint, target.repoId);
  const hasToken = request.token !== null;
  if (code === 'GatedRepo' || (response.status === 403 && !hasToken)) return gatedError(target, hasToken, details);
  if (code === 'RevisionNotFound') {
    return new GroveError(
      'not_found',
      `Revision "${target.revision}" does not exist in ${target.repoId}. Give an existing branch, tag or commit (the default is main).`,
      details,
    );
  }
  if (code === 'EntryNotFound') {
    return new GroveError(
      'not_found',
      `${target.file ?? 'A file'} does not exist in ${target.repoId} at revision "${target.revision}". Check the repository's files at ${page}.`,
      details,
    );
  }
  // The Hub answers 401 for a repository it will not admit exists (missing, private or gated) when unauthenticated.
  if (code === 'RepoNotFound' || response.status === 404 || (response.status === 401 && !hasToken)) {
    return new GroveError(
      'not_found',
      `Repository ${target.repoId} was not found at ${target.endpoint}${response.status === 401 ? ' (or it is private)' : ''}. Check the id (owner/name); for a private repository pass a token with --token or HF_TOKEN.`,
      details,
    );
  }
  if (response.status === 401) {
    return new GroveError(
      'unauthorized',
      `The Hub refused the access token for ${target.repoId} (invalid or expired). Create a new one at ${target.endpoint}/settings/tokens and pass it with --token or HF_TOKEN.`,
      details,
    );
  }
  if (response.status === 403) {
    return new GroveError(
      'forbidden',
      `The Hub refused access to ${target.repoId} with this token (${hubMessage || 'forbidden'}). Check that the token may read this repository.`,
      details,
    );
  }
  if (response.status === 416) {
    return new GroveError(
      'bad_input',
      `${describe(target)}: the Hub refused the requested byte range. Grove will restart this file.`,
      details,
    );
  }
  if (response.status === 429 || response.status >= 500) {
    const wait = response.headers.get('retry-after');
    return new TransientHubError(
      `${describe(target)}: the Hub answered ${response.status} ${response.statusText}${wait ? ` (retry after ${wait} s)` : ''}. Try again later${response.status === 429 && !hasToken ? '; a token (HF_TOKEN) raises the rate limit' : ''}.`,
      details,
    );
  }
  return new GroveError(
    'internal',
    `${describe(target)}: the Hub answered ${response.status} ${response.statusText} (${hubMessage}). Try again later.`,
    details,
  );
}
