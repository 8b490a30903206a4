// Downloads one file into the cache's blobs/: resumed from its .incomplete part with `Range: bytes=N-`, retried
// when the connection drops, and moved into place only after its size and published hash check out.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { GroveError } from '../../shared/api/errors';
import { syncFolder } from '../model/safetensors-write';
import { blobPath, hasBlob, incompletePath, lockBlob } from './cache';
import { hubFetch, TransientHubError, type HubTarget } from './http';
import type { FileHash } from './repo-info';

export interface BlobRequest {
  repoDir: string;
  /** The file's resolve URL, at the commit (so every file comes from the same one). */
  url: string;
  hash: FileHash;
  size: number;
  token: string | null;
  target: HubTarget & { file: string };
  signal?: AbortSignal | undefined;
  /** Further attempts after a dropped connection or a 5xx, each resuming where the last stopped. */
  retries: number;
  retryDelayMs: number;
  /** Called as bytes land: the file's bytes present so far, and how many of them just came from the network. */
  onBytes: (fileBytesDone: number, received: number) => void;
}

export interface BlobResult {
  path: string;
  /** True when the verified blob was already there and nothing was requested. */
  cached: boolean;
  /** Bytes of an earlier interrupted download that were kept and not fetched again. */
  resumedBytes: number;
  receivedBytes: number;
}

/** sha256 of the content for LFS files; git's blob id (sha1 of "blob {size}\0" + content) for the rest. */
function newHasher(hash: FileHash, size: number): Hash {
  if (hash.kind === 'sha256') return createHash('sha256');
  return createHash('sha1').update(`blob ${size}\0`);
}

async function hashFile(path: string, hasher: Hash, signal?: AbortSignal): Promise<void> {
  for await (const chunk of createReadStream(path, { signal })) hasher.update(chunk as Buffer);
}

/** Errors after which trying again (resuming) can help. fetch reports a body cut short as a TypeError ("terminated"). */
function isTransient(err: unknown): boolean {
  return err instanceof TransientHubError || err instanceof TypeError || (err as { code?: string } | null)?.code === 'ECONNRESET';
}

export async function fetchBlob(request: BlobRequest): Promise<BlobResult> {
  const { repoDir, hash, size, target } = request;
  const blob = blobPath(repoDir, hash.value);
  if (await hasBlob(repoDir, hash.value, size)) {
    request.onBytes(size, 0);
    return { path: blob, cached: true, resumedBytes: 0, receivedBytes: 0 };
  }
  await mkdir(`${repoDir}/blobs`, { recursive: true });
  const release = await lockBlob(repoDir, hash.value, `${target.file} of ${target.repoId}`);
  try {
    // Another process may have finished it just before we took the lock.
    if (await hasBlob(repoDir, hash.value, size)) {
      request.onBytes(size, 0);
      return { path: blob, cached: true, resumedBytes: 0, receivedBytes: 0 };
    }
    return await download(request, blob);
  } finally {
    await release();
  }
}

async function download(request: BlobRequest, blob: string): Promise<BlobResult> {
  const { repoDir, hash, size, target, signal } = request;
  const partial = incompletePath(repoDir, hash.value);
  let receivedBytes = 0;
  let resumedBytes = -1;
  for (let attempt = 0; ; attempt++) {
    signal?.throwIfAborted();
    let offset = (await stat(partial).catch(() => null))?.size ?? 0;
    if (offset > size) {
      await unlink(partial);
      offset = 0;
    }
    if (resumedBytes < 0) resumedBytes = offset;
    let hasher = newHasher(hash, size);
    if (offset > 0) await hashFile(partial, hasher, signal);
    request.onBytes(offset, 0);
    let fh: FileHandle | null = null;
    try {
      if (offset < size) {
        const { response } = await hubFetch({ url: request.url, token: request.token, rangeStart: offset, signal, target });
        if (offset > 0 && (response.status !== 206 || contentRangeStart(response.headers) !== offset)) {
          // The server sent the whole file instead of the rest: start over from its first byte.
          offset = 0;
          hasher = newHasher(hash, size);
          request.onBytes(0, 0);
        }
        const length = Number(response.headers.get('content-length') ?? NaN);
        if (Number.isFinite(length) && offset + length !== size) {
          await response.body?.cancel();
          throw new GroveError(
            'bad_input',
            `${target.file} of ${target.repoId}: the server sends ${offset + length} bytes but the Hub publishes ${size}. Try again later; if it persists, report it to the repository's owner.`,
            { file: target.file, size, served: offset + length },
          );
        }
        fh = await open(partial, offset > 0 ? 'a' : 'w');
        for await (const chunk of response.body ?? []) {
          const bytes = chunk as Uint8Array;
          if (offset + bytes.byteLength > size) throw integrityError(request, `it is longer than the ${size} bytes the Hub publishes`);
          for (let written = 0; written < bytes.byteLength;) written += (await fh.write(bytes, written)).bytesWritten;
          hasher.update(bytes);
          offset += bytes.byteLength;
          receivedBytes += bytes.byteLength;
          request.onBytes(offset, bytes.byteLength);
        }
        if (offset < size)
          throw new TransientHubError(`${target.file} of ${target.repoId}: the connection ended after ${offset} of ${size} bytes.`, {
            file: target.file,
          });
        await fh.sync();
      }
    } catch (err) {
      await fh?.close().catch(() => undefined);
      fh = null;
      if (signal?.aborted) throw signal.reason;
      if ((err as GroveError).details !== undefined && ((err as GroveError).details as { integrity?: boolean }).integrity === true)
        await unlink(partial).catch(() => undefined);
      if (err instanceof GroveError && (err.details as { status?: number } | undefined)?.status === 416) {
        await unlink(partial).catch(() => undefined); // the part on disk does not fit the file: start again
        if (attempt < request.retries) continue;
      }
      if (isTransient(err) && attempt < request.retries) {
        await sleep(request.retryDelayMs * 2 ** Math.min(attempt, 5), undefined, { signal });
        continue;
      }
      if (isTransient(err)) {
        const kept = (await stat(partial).catch(() => null))?.size ?? 0;
        throw new GroveError(
          'internal',
          `Downloading ${target.file} of ${target.repoId} failed after ${attempt + 1} attempts (${(err as Error).message}). Run the download again: it resumes from byte ${kept} of ${size}.`,
          { file: target.file, repoId: target.repoId, keptBytes: kept, size },
        );
      }
      throw err;
    } finally {
      await fh?.close();
    }
    const digest = hasher.digest('hex');
    if (digest !== hash.value) {
      await unlink(partial).catch(() => undefined);
      throw integrityError(request, `its ${hash.kind} is ${digest} but the Hub publishes ${hash.value}`);
    }
    await rename(partial, blob);
    await syncFolder(`${repoDir}/blobs`);
    return { path: blob, cached: false, resumedBytes, receivedBytes };
  }
}

function contentRangeStart(headers: Headers): number | null {
  const match = /^bytes (\d+)-\d+\/(?:\d+|\*)$/.exec(headers.get('content-range') ?? '');
  return match ? Number(match[1]) : null;
}

function integrityError(request: BlobRequest, what: string): GroveError {
  const { target } = request;
  return new GroveError(
    'bad_input',
    `${target.file} of ${target.repoId} failed its integrity check: ${what}. The download was discarded; run it again to fetch the file afresh (if it fails again, something between you and ${new URL(target.endpoint).host} alters the data).`,
    { file: target.file, repoId: target.repoId, expected: request.hash, integrity: true },
  );
}
