// The curated list: every entry is a family Grove's config code accepts, its parameter count follows from its
// shape, its download size from its parameters (BF16), and ids are valid and unique.
import { describe, expect, it } from 'vitest';
import { CURATED_MODELS, curatedConfig, curatedModel, formatBytes } from '../../../src/engine/hub/curated';
import { validateRepoId } from '../../../src/engine/hub/endpoint';
import { fromHfConfig, toHfConfig } from '../../../src/engine/model/config';
import { parameterCount } from '../../../src/engine/model/names';

describe('curated models', () => {
  it.each(CURATED_MODELS.map((m) => [m.repoId, m] as const))('%s is a supported family with consistent sizes', (repoId, m) => {
    expect(validateRepoId(repoId)).toBe(repoId);
    const config = curatedConfig(m);
    // Through config.json and back, as an import would read it.
    const { config: read } = fromHfConfig(toHfConfig(config), `${repoId}/config.json`);
    expect(read.architecture).toBe(m.family === 'qwen2' ? 'Qwen2ForCausalLM' : 'LlamaForCausalLM');
    expect(parameterCount(read)).toBe(m.parameters);
    // BF16 weights plus tokenizer and config files of a few MB.
    expect(m.downloadBytes - 2 * m.parameters).toBeGreaterThan(0);
    expect(m.downloadBytes - 2 * m.parameters).toBeLessThan(20_000_000);
    expect(m.gated).toBe(m.licence.startsWith('llama'));
  });

  it('has the small models the issue names, instruct and base, smallest first', () => {
    const ids = CURATED_MODELS.map((m) => m.repoId);
    for (const id of [
      'HuggingFaceTB/SmolLM2-135M',
      'HuggingFaceTB/SmolLM2-135M-Instruct',
      'HuggingFaceTB/SmolLM2-360M',
      'HuggingFaceTB/SmolLM2-360M-Instruct',
      'Qwen/Qwen2.5-0.5B-Instruct',
    ])
      expect(ids).toContain(id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(CURATED_MODELS.map((m) => m.parameters)).toEqual([...CURATED_MODELS.map((m) => m.parameters)].sort((a, b) => a - b));
    expect(CURATED_MODELS.every((m) => (m.kind === 'instruct') === /Instruct|Chat/.test(m.repoId))).toBe(true);
    expect(curatedModel('huggingfacetb/smollm2-135m-instruct')?.kind).toBe('instruct');
    expect(formatBytes(271_000_000)).toBe('271 MB');
    expect(formatBytes(2_481_000_000)).toBe('2.48 GB');
  });
});
