// The catalog's hub_sources rows: the Hub repository of a stored model by its store address, replaced when
// the same weights are planted again from another repository, and null for an address it does not know.
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/app/catalog/catalog';
import { hubSourceOf, recordHubSource } from '../../../src/app/catalog/hub-sources';

describe('hub_sources', () => {
  it('records, replaces and reads the Hub repository of a store address', () => {
    const catalog = Catalog.open(':memory:');
    try {
      const address = 'a'.repeat(64);
      expect(hubSourceOf(catalog, address)).toBeNull();
      recordHubSource(catalog, address, 'HuggingFaceTB/SmolLM2-135M');
      expect(hubSourceOf(catalog, address)).toBe('HuggingFaceTB/SmolLM2-135M');
      recordHubSource(catalog, address, 'someone/SmolLM2-135M-copy');
      expect(hubSourceOf(catalog, address)).toBe('someone/SmolLM2-135M-copy');
      expect(hubSourceOf(catalog, 'b'.repeat(64))).toBeNull();
    } finally {
      catalog.close();
    }
  });
});
