// Messages between the inference worker (a long-lived process holding open models) and its owner (the
// service in Electron main or `grove serve`). Plain JSON-serialisable data only.
import type { GroveErrorData } from '../../shared/api/errors';
import type { ExpertWeight } from '../../engine/generate/ensemble-decoder';
import type { RuntimeFacts } from '../../engine/runtime/runtime-facts';
import type { ReplyRequest, ReplyResult } from './reply';
import type { TokenLogprob } from './token-logprobs';

export type ToInfer =
  | { type: 'reply'; id: number; request: ReplyRequest }
  /** Stops one reply (running or still queued); it ends with finish 'aborted'. */
  | { type: 'stop'; id: number }
  /** Asks for the runtime's version and usable execution providers (answered with 'runtime'). */
  | { type: 'runtime'; id: number }
  /** Closes the models and exits. */
  | { type: 'shutdown' };

export type FromInfer =
  | { type: 'ready' }
  | { type: 'delta'; id: number; text: string; weights: ExpertWeight[]; logprobs?: TokenLogprob[] }
  | { type: 'done'; id: number; result: ReplyResult }
  | { type: 'error'; id: number; error: GroveErrorData }
  | { type: 'runtime'; id: number; runtime: RuntimeFacts };
