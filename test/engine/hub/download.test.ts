// Downloads from a local Hub that speaks the real protocol: end to end into a huggingface_hub-style cache, no
// second download, resume after a dropped connection (same call and next call), corruption refused, gated and
// missing repos explained, unsupported models refused before their weights move, cancel keeps the part.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroveError } from '../../../src/shared/api/errors';
import { downloadModel, type DownloadOptions } from '../../../src/engine/hub/download';
import { incompletePath, repoCacheDir } from '../../../src/engine/hub/cache';
import type { DownloadProgress } from '../../../src/engine/hub/progress';
import { readModelFolder } from '../../../src/engine/model/folder';
import { tempDir } from '../../helpers/tmp';
import { sha256, startHubServer, type HubServer } from './hub-server';
import { writeTinyModel } from './tiny-model';

const dir = tempDir();
const COMMIT = 'a'.repeat(40);
const SHARDED_COMMIT = 'b'.repeat(40);
const WEIGHTS = 'model.safetensors';
let hub: HubServer;
let files: Record<string, Uint8Array>;

beforeAll(async () => {
  files = await writeTinyModel(join(dir, 'src-tiny'));
  const sharded = await writeTinyModel(join(dir, 'src-sharded'), { sharded: true });
  const bert = await writeTinyModel(join(dir, 'src-bert'), { architectures: ['BertForMaskedLM'] });
  hub = await startHubServer([
    { repoId: 'grove-test/tiny', commit: COMMIT, refs: { main: COMMIT, 'refs/pr/1': COMMIT }, files },
    { repoId: 'grove-test/tiny-sharded', commit: SHARDED_COMMIT, files: sharded },
    { repoId: 'grove-test/bert', commit: 'c'.repeat(40), files: bert },
    { repoId: 'grove-test/gated', commit: 'd'.repeat(40), files, gated: 'manual', grantedTokens: ['hf_granted'] },
  ]);
});
afterAll(() => hub.close());

let cacheCount = 0;
const options = (extra: Partial<DownloadOptions> = {}): DownloadOptions => ({
  cacheDir: join(dir, `cache-${cacheCount++}`),
  endpoint: hub.endpoint,
  token: false,
  env: {},
  retryDelayMs: 10,
  ...extra,
});
const filesFor = (repoId: string) => hub.fileRequests().filter((r) => r.path.includes(repoId) || r.origin === 'storage');
const reset = () => hub.requests.splice(0);
const groveError = async (promise: Promise<unknown>): Promise<GroveError> => {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GroveError);
  return err as GroveError;
};

describe('downloadModel', () => {
  it('downloads only what Grove reads into a huggingface_hub-style cache, verified, with progress', async () => {
    reset();
    const progress: DownloadProgress[] = [];
    const o = options({ onProgress: (p) => progress.push(p), progressIntervalMs: 0 });
    const result = await downloadModel('grove-test/tiny', o);
    const repoDir = repoCacheDir(o.cacheDir, 'grove-test/tiny');
    expect(repoDir).toBe(join(o.cacheDir, 'models--grove-test--tiny'));
    expect(result).toMatchObject({ commit: COMMIT, revision: 'main', folder: join(repoDir, 'snapshots', COMMIT), offline: false });
    expect(readdirSync(result.folder).sort()).toEqual([
      'config.json',
      'generation_config.json',
      WEIGHTS,
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    for (const name of readdirSync(result.folder)) {
      expect(lstatSync(join(result.folder, name)).isSymbolicLink()).toBe(true);
      expect(readFileSync(join(result.folder, name))).toEqual(Buffer.from(files[name]!));
    }
    // Blobs are named by their published hash: sha256 for LFS files.
    expect(existsSync(join(repoDir, 'blobs', sha256(files[WEIGHTS]!)))).toBe(true);
    expect(readFileSync(join(repoDir, 'refs', 'main'), 'utf8')).toBe(COMMIT);
    expect(readdirSync(join(repoDir, 'blobs')).filter((n) => n.endsWith('.incomplete'))).toEqual([]);
    // Nothing Grove does not read was requested; the weights came from the storage origin, files at the commit.
    const got = hub.fileRequests().map((r) => r.path);
    expect(got.some((p) => /README|gitattributes|pytorch_model|onnx/.test(p))).toBe(false);
    expect(got.filter((p) => p.includes('/resolve/')).every((p) => p.includes(`/resolve/${COMMIT}/`))).toBe(true);
    expect(hub.requests.filter((r) => r.origin === 'storage')).toHaveLength(1);
    const total = Object.entries(files)
      .filter(([n]) => readdirSync(result.folder).includes(n))
      .reduce((s, [, d]) => s + d.byteLength, 0);
    const last = progress[progress.length - 1]!;
    expect(last).toMatchObject({ bytesDone: total, bytesTotal: total, fileCount: 5, etaSeconds: 0 });
    expect(new Set(progress.map((p) => p.file))).toEqual(new Set(readdirSync(result.folder)));
    expect(progress.some((p) => p.file === WEIGHTS && p.fileBytesDone > 0 && p.bytesPerSecond > 0)).toBe(true);
    expect(progress.every((p, i) => i === 0 || p.bytesDone >= progress[i - 1]!.bytesDone)).toBe(true);
    // The snapshot is a model folder Grove reads as is.
    const model = await readModelFolder(result.folder);
    expect(model.config.hiddenSize).toBe(64);
    await model.weights.close();

    // Same revision again: one API call, no file requested.
    reset();
    const again = await downloadModel('grove-test/tiny', { ...o, onProgress: undefined });
    expect(again.folder).toBe(result.folder);
    expect(again.receivedBytes).toBe(0);
    expect(again.files.every((f) => f.cached)).toBe(true);
    expect(hub.requests.map((r) => r.path)).toEqual([`/api/models/grove-test/tiny/revision/main?blobs=true`]);

    // Another name for the same commit (a PR ref, URL-encoded) reuses the blobs and records its own ref.
    reset();
    const pr = await downloadModel('grove-test/tiny', { ...o, revision: 'refs/pr/1' });
    expect(pr.commit).toBe(COMMIT);
    expect(hub.fileRequests()).toEqual([]);
    expect(readFileSync(join(repoDir, 'refs', 'refs', 'pr', '1'), 'utf8')).toBe(COMMIT);
  });

  it('downloads a sharded checkpoint: the index, then the shards it names', async () => {
    const result = await downloadModel('grove-test/tiny-sharded', options());
    expect(
      readdirSync(result.folder)
        .filter((n) => n.endsWith('.safetensors'))
        .sort(),
    ).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
    const model = await readModelFolder(result.folder);
    expect(model.weights.tensorNames.length).toBeGreaterThan(5);
    await model.weights.close();
  });

  it('resumes a dropped connection with a Range request in the same call', async () => {
    reset();
    const size = files[WEIGHTS]!.byteLength;
    hub.faults.drop.set(WEIGHTS, { afterBytes: Math.floor(size / 2), times: 1 });
    const result = await downloadModel('grove-test/tiny', options());
    const storage = hub.requests.filter((r) => r.origin === 'storage');
    expect(storage).toHaveLength(2);
    expect(storage[0]!.range).toBeNull();
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(storage[1]!.range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(Math.floor(size / 2));
    expect(readFileSync(join(result.folder, WEIGHTS))).toEqual(Buffer.from(files[WEIGHTS]!));
  });

  it('keeps the part of an interrupted download and resumes it in the next call', async () => {
    const size = files[WEIGHTS]!.byteLength;
    hub.faults.drop.set(WEIGHTS, { afterBytes: Math.floor(size / 3), times: 1 });
    const o = options({ retries: 0 });
    const err = await groveError(downloadModel('grove-test/tiny', o));
    expect(err.message).toMatch(
      /Downloading model\.safetensors of grove-test\/tiny failed after 1 attempts .* Run the download again: it resumes from byte \d+/,
    );
    const part = incompletePath(repoCacheDir(o.cacheDir, 'grove-test/tiny'), sha256(files[WEIGHTS]!));
    const kept = readFileSync(part).byteLength;
    expect(kept).toBeGreaterThan(0);
    expect(readFileSync(part)).toEqual(Buffer.from(files[WEIGHTS]!.subarray(0, kept)));

    reset();
    const result = await downloadModel('grove-test/tiny', o);
    expect(hub.requests.filter((r) => r.origin === 'storage').map((r) => r.range)).toEqual([`bytes=${kept}-`]);
    // The small files were verified the first time: not fetched again.
    expect(
      filesFor('grove-test/tiny')
        .filter((r) => r.origin === 'hub')
        .map((r) => r.path),
    ).toEqual([`/grove-test/tiny/resolve/${COMMIT}/${WEIGHTS}`]);
    expect(readFileSync(join(result.folder, WEIGHTS))).toEqual(Buffer.from(files[WEIGHTS]!));
    expect(existsSync(part)).toBe(false);
  });

  it('starts a file over when the server answers a Range request with the whole file', async () => {
    const size = files[WEIGHTS]!.byteLength;
    hub.faults.drop.set(WEIGHTS, { afterBytes: Math.floor(size / 2), times: 1 });
    hub.faults.ignoreRange = true;
    try {
      reset();
      const result = await downloadModel('grove-test/tiny', options());
      const storage = hub.requests.filter((r) => r.origin === 'storage');
      expect(storage).toHaveLength(2);
      expect(storage[1]!.range).toMatch(/^bytes=\d+-$/);
      // The bytes before the drop, then the whole file again.
      const metadata = ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json'].reduce(
        (sum, n) => sum + files[n]!.byteLength,
        0,
      );
      expect(result.receivedBytes).toBeGreaterThan(size + metadata);
      expect(readFileSync(join(result.folder, WEIGHTS))).toEqual(Buffer.from(files[WEIGHTS]!));
    } finally {
      hub.faults.ignoreRange = false;
    }
  });

  it('rejects a corrupted file and caches nothing of it', async () => {
    hub.faults.corrupt.add(WEIGHTS);
    const o = options();
    const repoDir = repoCacheDir(o.cacheDir, 'grove-test/tiny');
    try {
      const err = await groveError(downloadModel('grove-test/tiny', o));
      expect(err.message).toMatch(
        new RegExp(
          `model\\.safetensors of grove-test/tiny failed its integrity check: its sha256 is [0-9a-f]{64} but the Hub publishes ${sha256(files[WEIGHTS]!)}`,
        ),
      );
    } finally {
      hub.faults.corrupt.clear();
    }
    expect(readdirSync(join(repoDir, 'blobs')).some((n) => n.startsWith(sha256(files[WEIGHTS]!)))).toBe(false);
    expect(existsSync(join(repoDir, 'snapshots', COMMIT, WEIGHTS))).toBe(false);
    expect(existsSync(join(repoDir, 'refs', 'main'))).toBe(false);
    // A plain git file is checked against its git blob id the same way.
    hub.faults.corrupt.add('tokenizer.json');
    try {
      await expect(downloadModel('grove-test/tiny', options())).rejects.toThrow(
        /tokenizer\.json of grove-test\/tiny failed its integrity check: its git-sha1 is/,
      );
    } finally {
      hub.faults.corrupt.clear();
    }
    const result = await downloadModel('grove-test/tiny', o);
    expect(readFileSync(join(result.folder, WEIGHTS))).toEqual(Buffer.from(files[WEIGHTS]!));
  });

  it('explains a gated model: licence and token; the token goes to the Hub only, never to the storage', async () => {
    reset();
    const err = await groveError(downloadModel('grove-test/gated', options()));
    expect(err.code).toBe('unauthorized');
    expect(err.message).toBe(
      `grove-test/gated is a gated model: accept its licence at ${hub.endpoint}/grove-test/gated, create an access token at ${hub.endpoint}/settings/tokens, then pass it with --token or set HF_TOKEN.`,
    );
    expect(hub.fileRequests()).toEqual([]);

    const refused = await groveError(downloadModel('grove-test/gated', options({ token: 'hf_not_granted' })));
    expect(refused.code).toBe('forbidden');
    expect(refused.message).toMatch(/^grove-test\/gated is a gated model and this token has no access to it\. Accept its licence at /);

    reset();
    const result = await downloadModel('grove-test/gated', options({ token: undefined, env: { HF_TOKEN: 'hf_granted' } }));
    expect(readFileSync(join(result.folder, WEIGHTS))).toEqual(Buffer.from(files[WEIGHTS]!));
    expect(hub.requests.filter((r) => r.origin === 'hub').every((r) => r.authorization === 'Bearer hf_granted')).toBe(true);
    expect(hub.requests.filter((r) => r.origin === 'storage').map((r) => r.authorization)).toEqual([null]);
  });

  it('names a missing repository or revision', async () => {
    const missing = await groveError(downloadModel('grove-test/nope', options()));
    expect(missing.code).toBe('not_found');
    expect(missing.message).toMatch(
      /^Repository grove-test\/nope was not found at http:\/\/127\.0\.0\.1:\d+ \(or it is private\)\. Check the id/,
    );
    const revision = await groveError(downloadModel('grove-test/tiny', options({ revision: 'v9' })));
    expect(revision.code).toBe('not_found');
    expect(revision.message).toBe(
      'Revision "v9" does not exist in grove-test/tiny. Give an existing branch, tag or commit (the default is main).',
    );
    await expect(downloadModel('not a repo', options())).rejects.toThrow(/"not a repo" is not a Hugging Face repository id/);
  });

  it('refuses an unsupported architecture from its config.json, before any weights move', async () => {
    reset();
    const err = await groveError(downloadModel('grove-test/bert', options()));
    expect(err.code).toBe('unsupported');
    expect(err.message).toMatch(
      /grove-test\/bert@main: config\.json: architecture \["BertForMaskedLM"\] is not supported; Grove runs LlamaForCausalLM, Qwen2ForCausalLM/,
    );
    expect(hub.requests.filter((r) => r.origin === 'storage')).toEqual([]);
  });

  it('stops on cancel, keeps the part, and resumes it later', async () => {
    hub.faults.chunkBytes = 8192;
    hub.faults.chunkDelayMs = 5;
    const controller = new AbortController();
    const o = options({
      signal: controller.signal,
      progressIntervalMs: 0,
      onProgress: (p) => {
        if (p.file === WEIGHTS && p.fileBytesDone >= 16384) controller.abort();
      },
    });
    try {
      await expect(downloadModel('grove-test/tiny', o)).rejects.toMatchObject({ name: 'AbortError' });
    } finally {
      hub.faults.chunkBytes = 0;
    }
    const part = incompletePath(repoCacheDir(o.cacheDir, 'grove-test/tiny'), sha256(files[WEIGHTS]!));
    const kept = readFileSync(part).byteLength;
    expect(kept).toBeGreaterThanOrEqual(16384);
    reset();
    const result = await downloadModel('grove-test/tiny', { ...o, signal: undefined, onProgress: undefined });
    expect(hub.requests.filter((r) => r.origin === 'storage').map((r) => r.range)).toEqual([`bytes=${kept}-`]);
    expect(readFileSync(join(result.folder, WEIGHTS))).toEqual(Buffer.from(files[WEIGHTS]!));
  });

  it('leaves a file another download is fetching alone, and takes over the lock of one that died', async () => {
    const o = options();
    const repoDir = repoCacheDir(o.cacheDir, 'grove-test/tiny');
    const lock = join(repoDir, 'blobs', `${sha256(files[WEIGHTS]!)}.lock`);
    mkdirSync(join(repoDir, 'blobs'), { recursive: true });
    writeFileSync(lock, String(process.pid));
    const err = await groveError(downloadModel('grove-test/tiny', o));
    expect(err.code).toBe('conflict');
    expect(err.message).toBe(
      'model.safetensors of grove-test/tiny is being downloaded by another download in this process. Wait for it to finish, then try again.',
    );
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(lock, String(dead));
    const result = await downloadModel('grove-test/tiny', o);
    expect(readFileSync(join(result.folder, WEIGHTS))).toEqual(Buffer.from(files[WEIGHTS]!));
    expect(existsSync(lock)).toBe(false);
  });

  it('uses a complete earlier download when the Hub cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const unreachable = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    const o = options();
    const first = await downloadModel('grove-test/tiny', o);
    const offline = await downloadModel('grove-test/tiny', { ...o, endpoint: unreachable });
    expect(offline).toMatchObject({ offline: true, commit: COMMIT, folder: first.folder, receivedBytes: 0 });
    await expect(downloadModel('grove-test/tiny', { ...options(), endpoint: unreachable })).rejects.toThrow(
      `Cannot reach ${unreachable} (ECONNREFUSED). Check the network connection (or HF_ENDPOINT) and try again.`,
    );
  });
});
