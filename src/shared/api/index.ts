// GroveApi: the one typed interface between every UI and the engine, whatever the transport.
import type { GroveEventListener } from './events';
import type { ApiMethodName } from './methods';
import type { ApiInput, ApiOutput } from './schemas';

export type GroveCalls = { [M in ApiMethodName]: (input: ApiInput<M>) => Promise<ApiOutput<M>> };

export interface GroveApi extends GroveCalls {
  /** Subscribes to engine events; returns the function that unsubscribes. */
  onEvent(listener: GroveEventListener): () => void;
}

export { API_METHODS, IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, type ApiMethodName } from './methods';
export type { GroveEvent, GroveEventListener, JobView, TrainProgress } from './events';
export type { ApiInput, ApiOutput, DomainReport, DomainSummary, EngineInfo, ForestSummary, IngestedDocument } from './schemas';
export { GroveError, toErrorData, type GroveErrorCode, type GroveErrorData } from './errors';
