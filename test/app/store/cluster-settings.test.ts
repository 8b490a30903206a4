// Where new experts train, kept in the forest's settings JSON beside its training settings: neither overwrites
// the other (the training settings saved after "Train on", and the reverse), the training settings still read
// back, the Slurm fields checked by the backend's schema before they are kept, and no Slurm without them.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/app/catalog/catalog';
import { ensureForest } from '../../../src/app/catalog/domains';
import { parseModelConfig } from '../../../src/engine/model/config';
import { forestClusterSettings, forestSlurmSettings, saveForestClusterSettings } from '../../../src/app/store/cluster-settings';
import { defaultTrainingSettings, forestTrainingSettings, saveForestTrainingSettings } from '../../../src/app/store/training-settings';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
const tiny = parseModelConfig({
  architecture: 'LlamaForCausalLM',
  vocabSize: 320,
  hiddenSize: 32,
  intermediateSize: 64,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  tieWordEmbeddings: true,
});

describe("the forest's Train on setting", () => {
  it('lives beside the training settings, each kept when the other is saved', () => {
    const catalog = Catalog.open(join(dir, 'a.sqlite'));
    const forestId = ensureForest(catalog, 'f');
    expect(forestClusterSettings(catalog, forestId)).toEqual({ trainOn: 'local', slurm: null });
    expect(() => forestSlurmSettings(catalog, forestId)).toThrow(
      /no Slurm settings yet: set them with `grove slurm config --shared-dir DIR/,
    );

    const training = { ...defaultTrainingSettings(tiny, false), peakLr: 1e-3, seed: 7 };
    saveForestTrainingSettings(catalog, forestId, training);
    saveForestClusterSettings(catalog, forestId, {
      trainOn: 'slurm',
      slurm: { sharedDir: '/shared/grove', partition: 'gpu', gpusPerJob: 1 },
    });
    expect(forestTrainingSettings(catalog, forestId, tiny, false)).toEqual(training);
    expect(forestSlurmSettings(catalog, forestId)).toEqual({
      sharedDir: '/shared/grove',
      partition: 'gpu',
      gpusPerJob: 1,
      cpusPerTask: 1,
      extraOptions: [],
    });

    // Training settings saved again (a new seed phase) keep where experts train.
    saveForestTrainingSettings(catalog, forestId, { ...training, seed: 8 });
    expect(forestClusterSettings(catalog, forestId).trainOn).toBe('slurm');
    expect(forestTrainingSettings(catalog, forestId, tiny, false).seed).toBe(8);
    catalog.close();
  });

  it('refuses Slurm fields the backend would refuse, and Slurm without its fields', () => {
    const catalog = Catalog.open(join(dir, 'b.sqlite'));
    const forestId = ensureForest(catalog, 'f');
    expect(() => saveForestClusterSettings(catalog, forestId, { trainOn: 'slurm', slurm: { sharedDir: '/s', timeLimit: 'soon' } })).toThrow(
      /Slurm settings are not valid: timeLimit: a Slurm time limit/,
    );
    expect(() => saveForestClusterSettings(catalog, forestId, { trainOn: 'slurm', slurm: null })).toThrow(/needs the Slurm settings/);
    // Kept but not chosen: new experts still train here.
    expect(saveForestClusterSettings(catalog, forestId, { trainOn: 'local', slurm: { sharedDir: '/s' } })).toMatchObject({
      trainOn: 'local',
      slurm: { sharedDir: '/s' },
    });
    catalog.close();
  });
});
