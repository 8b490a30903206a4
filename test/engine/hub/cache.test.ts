// repoIdOfSnapshot: the repository id read back from a snapshot folder of a Hub cache (Grove's own, laid out as
// huggingface_hub's), with or without an owner; any other folder, and a name no repository id can have, give null.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hubCacheDir, repoCacheDir, repoIdOfSnapshot, snapshotDir } from '../../../src/engine/hub/cache';

describe('repoIdOfSnapshot', () => {
  it('reads owner/name (or name alone) from .../models--owner--name/snapshots/<commit>', () => {
    const commit = '93efa2f097d58c2a74874c7e644dbc9b0cee75a2';
    expect(repoIdOfSnapshot(snapshotDir(repoCacheDir(hubCacheDir('/forest'), 'HuggingFaceTB/SmolLM2-135M'), commit))).toBe(
      'HuggingFaceTB/SmolLM2-135M',
    );
    expect(repoIdOfSnapshot(`/home/me/.cache/huggingface/hub/models--meta-llama--Llama-3.2-1B-Instruct/snapshots/${commit}/`)).toBe(
      'meta-llama/Llama-3.2-1B-Instruct',
    );
    expect(repoIdOfSnapshot(join('/cache', 'models--gpt2', 'snapshots', commit))).toBe('gpt2');
  });

  it('gives null for other folders', () => {
    expect(repoIdOfSnapshot('/home/me/models/SmolLM2-135M')).toBeNull();
    expect(repoIdOfSnapshot('/cache/models--a--b/refs/main')).toBeNull();
    expect(repoIdOfSnapshot('/cache/datasets--a--b/snapshots/c')).toBeNull();
    expect(repoIdOfSnapshot('/cache/models--a--b--c/snapshots/c')).toBeNull();
    expect(repoIdOfSnapshot('/cache/models--/snapshots/c')).toBeNull();
  });
});
