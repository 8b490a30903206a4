// The model shapes `grove bench btm --shape NAME` can train: the quick preset's micro shape and Grove's named
// shapes (engine/model/config.ts MODEL_PRESETS: tiny is the committed Brown run's shape). Only the body is
// taken: the vocabulary is the benchmark's BPE and the positions its context length.
import { GroveError } from '../../shared/api/errors';
import { MODEL_PRESETS } from '../../engine/model/config';
import type { BtmConfig } from './config';

type Shape = BtmConfig['model'];

function body(preset: keyof typeof MODEL_PRESETS): Shape {
  const { architecture: _architecture, vocabSize: _vocabSize, ...rest } = MODEL_PRESETS[preset];
  return rest;
}

export const BTM_SHAPES: Record<string, Shape> = {
  micro: { hiddenSize: 32, intermediateSize: 64, numHiddenLayers: 2, numAttentionHeads: 2, tieWordEmbeddings: true },
  tiny: body('tiny'),
  small: body('small'),
  'smollm2-135m': body('smollm2-135m'),
};

/** The named shape with its positions set to the benchmark's context length. */
export function btmShape(name: string, contextLength: number): Shape {
  const shape = Object.hasOwn(BTM_SHAPES, name) ? BTM_SHAPES[name] : undefined;
  if (!shape)
    throw new GroveError(
      'bad_input',
      `BTM benchmark: --shape ${name} is not a shape the benchmark knows; choose one of ${Object.keys(BTM_SHAPES).join(', ')}.`,
      { shape: name },
    );
  return { ...shape, maxPositionEmbeddings: contextLength };
}
