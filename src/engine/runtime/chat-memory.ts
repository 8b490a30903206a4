// What chatting with a model takes in memory, from its shape alone (not measured): the weights as ONNX Runtime
// runs them (float32: narrower stored weights are cast once when the session loads), the KV cache of a
// conversation of `contextTokens`, one position's logits, and the process itself (Node, ONNX Runtime, the
// sessions: the same runtime term the training estimate was fit with). The first-run picker shows it beside
// the training peak, so that a person can tell which models this machine can hold.
import type { ModelConfig } from '../model/config';
import { parameterCount } from '../model/names';
import { MEMORY_CALIBRATION } from '../train/estimate';

/** A conversation's length the figure is given for (prompt and replies together). */
export const CHAT_CONTEXT_TOKENS = 2048;

const FLOAT = 4;

export function chatMemoryBytes(config: ModelConfig, contextTokens = CHAT_CONTEXT_TOKENS): number {
  const weights = parameterCount(config) * FLOAT;
  const tokens = Math.min(contextTokens, config.maxPositionEmbeddings);
  const kvCache = config.numHiddenLayers * 2 * config.numKeyValueHeads * config.headDim * tokens * FLOAT;
  const logits = config.vocabSize * FLOAT;
  return MEMORY_CALIBRATION.runtimeBytes + weights + kvCache + logits;
}
