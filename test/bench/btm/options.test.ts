import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { btmConfig, phaseSteps } from '../../../src/bench/btm/config';
import { btmConfigFromOptions } from '../../../src/bench/btm/options';
import { BTM_SHAPES } from '../../../src/bench/btm/shapes';
import { LORA_TARGETS } from '../../../src/engine/model/lora';
import { tempDir } from '../../helpers/tmp';

const root = tempDir('grove-btm-options-');
for (const n of ['code', 'ledger', 'recipes', 'statutes', 'verse']) mkdirSync(join(root, n));

describe('BTM options', () => {
  it('is the committed Brown configuration when no flag is given', () => {
    expect(btmConfigFromOptions('default', {})).toEqual(btmConfig('default'));
    expect(btmConfigFromOptions('quick', {}, { threads: 1 })).toEqual(btmConfig('quick', { threads: 1 }));
  });

  it('trains an expert on every sub-folder not held out, and moves the budget to one that splits whole for them', () => {
    const c = btmConfigFromOptions('default', { domains: root, heldOut: ['verse', 'statutes'] });
    expect(c.trainGenres).toEqual(['code', 'ledger', 'recipes']);
    expect(c.heldOutGenres).toEqual(['verse', 'statutes']);
    expect(c.domains).toMatchObject({ root, splitFractions: { valid: 0.1, test: 0.1 } });
    expect(c.domains!.seedModel).toBeUndefined();
    // 1120 steps do not split over 3 experts at 80 %; 1140 is the nearest that does at 25, 50 and 80 %.
    expect(c.totalSteps).toBe(1140);
    for (const f of c.seedFractions) expect(phaseSteps(c, f).seedSteps + 3 * phaseSteps(c, f).expertSteps).toBe(1140);
    expect(c.evalMaxTokens).toBe(32_768);
    // The paper's cached prior reads about 100 held-out sequences; Brown's preset keeps its 32.
    expect(c.priorSequences).toBe(100);
    expect(btmConfigFromOptions('default', {}).priorSequences).toBe(32);
  });

  it("takes a repeat's training seed, keeping the data split's, and refuses one that is not a whole number", () => {
    const c = btmConfigFromOptions('default', { seed: 7 });
    expect(c.seeds).toEqual({ init: 7, data: 8, split: btmConfig('default').seeds.split, randomSplit: 9 });
    expect(() => btmConfigFromOptions('default', { seed: 1.5 })).toThrow(/--seed 1.5 is not a whole number/);
    expect(() => btmConfigFromOptions('default', { seed: Number.NaN })).toThrow(/--seed NaN is not a whole number/);
  });

  it('takes the budget in tokens or steps, the seed fractions (first one the headline) and a named shape', () => {
    const c = btmConfigFromOptions('quick', {
      domains: root,
      heldOut: ['verse'],
      budget: '64k',
      seedFractions: [0.5, 0.25],
      shape: 'tiny',
    });
    // 64,000 tokens of 4 x 64 per step is 250 steps; over 4 experts at 25 and 50 % C must be a multiple of 16: 256.
    expect(c.totalSteps).toBe(256);
    expect(c.seedFractions).toEqual([0.25, 0.5]);
    expect(c.mainFraction).toBe(0.5);
    expect(c.model).toEqual({ ...BTM_SHAPES.tiny, maxPositionEmbeddings: 64 });
    expect(btmConfigFromOptions('default', { budget: '2240' }).totalSteps).toBe(2240);
  });

  it("adds light experts with --light: rank 16 (4 on the quick preset), alpha 2r, every projection, the full experts' rates unless scaled", () => {
    expect(btmConfigFromOptions('default', {}).light).toBeUndefined();
    expect(btmConfigFromOptions('default', { light: true }).light).toEqual({ rank: 16, alpha: 32, targets: LORA_TARGETS, lrScale: 1 });
    expect(btmConfigFromOptions('quick', { light: true }).light).toMatchObject({ rank: 4, alpha: 8 });
    expect(btmConfigFromOptions('quick', { light: true, rank: 8, lightLrScale: 3 }).light).toMatchObject({
      rank: 8,
      alpha: 16,
      lrScale: 3,
    });
    // Light experts change nothing else: the full forests' configuration is the same.
    const { light: _light, ...rest } = btmConfigFromOptions('default', { light: true });
    expect(rest).toEqual(btmConfig('default'));
  });

  it('refuses flags that do not fit together, with what to do', () => {
    expect(() => btmConfigFromOptions('quick', { rank: 8 })).toThrow(
      /--rank 8 sets the light experts' rank, but there are none without --light; add --light/,
    );
    expect(() => btmConfigFromOptions('quick', { lightLrScale: 3 })).toThrow(
      /--light-lr-scale 3 sets the light experts' learning rates, but there are none without --light/,
    );
    expect(() => btmConfigFromOptions('quick', { light: true, rank: 0 })).toThrow(/LoRA rank 0 is not a positive integer/);
    expect(() => btmConfigFromOptions('quick', { light: true, lightLrScale: -1 })).toThrow(
      /learning-rate scale -1 must be a positive number/,
    );
    expect(() => btmConfigFromOptions('quick', { heldOut: ['verse'] })).toThrow(/--held-out needs --domains DIR/);
    expect(() => btmConfigFromOptions('quick', { seedModel: '/m' })).toThrow(/--seed-model needs --domains DIR/);
    expect(() => btmConfigFromOptions('quick', { domains: root, heldOut: ['verse'], seedModel: '/m', shape: 'tiny' })).toThrow(
      /--shape tiny and --seed-model both set the model/,
    );
    expect(() => btmConfigFromOptions('quick', { seedFractions: [1.5] })).toThrow(/--seed-fraction 1.5 is not a share of the budget/);
    expect(() => btmConfigFromOptions('quick', { seedFractions: [0.5, 0.5] })).toThrow(/lists 0.5 twice/);
    expect(() => btmConfigFromOptions('quick', { domains: root })).toThrow(
      /no held-out domain; name at least one sub-folder with --held-out/,
    );
    expect(() => btmConfigFromOptions('quick', { domains: root, heldOut: ['code', 'ledger', 'recipes', 'statutes'] })).toThrow(
      /1 training domain\(s\); a forest needs at least 2 experts, so .* needs at least 2 sub-folders that are not held out/,
    );
    expect(() => btmConfigFromOptions('default', { budget: '1000' })).toThrow(
      /pick totalSteps \(--budget\) .*: the nearest budgets that work are 960 and 1120 steps/,
    );
  });
});
