// Endpoint, token and repo id rules as huggingface_hub applies them, and the Hub's URL shapes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  modelInfoUrl,
  resolveEndpoint,
  resolveToken,
  resolveUrl,
  validateRepoId,
  validateRevision,
} from '../../../src/engine/hub/endpoint';
import { hashFromHeaders, normalizeEtag } from '../../../src/engine/hub/repo-info';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();

describe('hub endpoint and token', () => {
  it('takes the endpoint from the option, else HF_ENDPOINT, else huggingface.co', () => {
    expect(resolveEndpoint(undefined, {})).toBe('https://huggingface.co');
    expect(resolveEndpoint(undefined, { HF_ENDPOINT: 'https://hf-mirror.com/' })).toBe('https://hf-mirror.com');
    expect(resolveEndpoint('http://127.0.0.1:8080', { HF_ENDPOINT: 'https://x' })).toBe('http://127.0.0.1:8080');
    expect(() => resolveEndpoint('not a url', {})).toThrow(/Hub endpoint "not a url" is not a URL; set HF_ENDPOINT/);
  });

  it('takes the token from the option, HF_TOKEN, HUGGING_FACE_HUB_TOKEN, then the saved login file', () => {
    const home = join(dir, 'hf-home');
    mkdirSync(home);
    writeFileSync(join(home, 'token'), 'hf_saved\n');
    expect(resolveToken('hf_option', { HF_TOKEN: 'hf_env', HF_HOME: home })).toBe('hf_option');
    expect(resolveToken(undefined, { HF_TOKEN: 'hf_env', HUGGING_FACE_HUB_TOKEN: 'hf_old', HF_HOME: home })).toBe('hf_env');
    expect(resolveToken(undefined, { HUGGING_FACE_HUB_TOKEN: 'hf_old', HF_HOME: home })).toBe('hf_old');
    expect(resolveToken(undefined, { HF_HOME: home })).toBe('hf_saved');
    expect(resolveToken(undefined, { HF_HOME: join(dir, 'none') })).toBeNull();
    expect(resolveToken(false, { HF_TOKEN: 'hf_env' })).toBeNull();
  });

  it('validates repo ids and revisions, and encodes them into URLs', () => {
    expect(validateRepoId('HuggingFaceTB/SmolLM2-135M')).toBe('HuggingFaceTB/SmolLM2-135M');
    expect(validateRepoId('gpt2')).toBe('gpt2');
    for (const bad of ['a/b/c', 'a--b/c', 'owner/..name', '../x', 'a/b.git', '', 'a b/c'])
      expect(() => validateRepoId(bad)).toThrow(/is not a Hugging Face repository id/);
    expect(validateRevision('refs/pr/1')).toBe('refs/pr/1');
    for (const bad of ['', '../main', 'a//b', 'a\\b']) expect(() => validateRevision(bad)).toThrow(/is not a revision/);
    expect(modelInfoUrl('https://h', 'o/n', 'refs/pr/1')).toBe('https://h/api/models/o/n/revision/refs%2Fpr%2F1?blobs=true');
    expect(resolveUrl('https://h', 'o/n', 'main', 'sub dir/a+b.json')).toBe('https://h/o/n/resolve/main/sub%20dir/a%2Bb.json');
  });

  it('reads hashes from ETag headers as huggingface_hub normalises them', () => {
    const sha = 'f'.repeat(64);
    expect(normalizeEtag(`W/"${sha}"`)).toBe(sha);
    expect(hashFromHeaders(new Headers({ etag: '"x"', 'x-linked-etag': `"${sha}"` }))).toEqual({ kind: 'sha256', value: sha });
    expect(hashFromHeaders(new Headers({ etag: `"${'a'.repeat(40)}"` }))).toEqual({ kind: 'git-sha1', value: 'a'.repeat(40) });
    expect(hashFromHeaders(new Headers({ etag: '"abc-12"' }))).toBeNull();
  });
});
