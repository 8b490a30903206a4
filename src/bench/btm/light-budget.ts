// How many steps a light expert of the BTM benchmark takes, at equal compute with a full expert. Compute is
// counted in training FLOPs (engine/train/estimate.ts trainingFlopsPerToken): a full step costs
// 6 x the multiplying parameters + attention per token; a light step has no weight gradients and no
// optimizer pass over the frozen base, so it costs 4 x those parameters + attention + 6 x the adapter's.
// Both kinds read the same batch (batch x context tokens per step), so the full expert's budget
//   F = expertSteps x tokensPerStep x fullFlopsPerToken
// buys floor(F / (tokensPerStep x lightFlopsPerToken)) = floor(expertSteps x full / light) light steps:
// rounded down, so a light expert never spends more than the full one (it leaves less than one light step
// unspent). The seed phase is shared by both forests, so seed + k light experts <= C, the dense model's FLOPs.
import type { ModelConfig } from '../../engine/model/config';
import { trainingFlopsPerToken } from '../../engine/train/estimate';
import type { BtmLight } from './config';

export interface LightBudget {
  /** Optimizer steps of each light expert. */
  steps: number;
  /** Training FLOPs per token of a full expert's step and of a light expert's. */
  fullFlopsPerToken: number;
  lightFlopsPerToken: number;
  /** Training FLOPs of one full expert ((1-f)C/k steps) and of one light expert (`steps`). */
  fullExpertFlops: number;
  lightExpertFlops: number;
}

export function lightBudget(
  config: ModelConfig,
  shape: { batchSize: number; contextLength: number; light: BtmLight },
  expertSteps: number,
): LightBudget {
  const { batchSize, contextLength, light } = shape;
  const tokensPerStep = batchSize * contextLength;
  const fullFlopsPerToken = trainingFlopsPerToken({ config, contextLength });
  const lightFlopsPerToken = trainingFlopsPerToken({ config, contextLength, lora: light });
  const fullExpertFlops = expertSteps * tokensPerStep * fullFlopsPerToken;
  // Integer FLOPs per step on both sides, so the division is exact where the budgets match to the FLOP.
  const steps = Math.floor(fullExpertFlops / (tokensPerStep * lightFlopsPerToken));
  return { steps, fullFlopsPerToken, lightFlopsPerToken, fullExpertFlops, lightExpertFlops: steps * tokensPerStep * lightFlopsPerToken };
}
