// The endpoint's bounded queue. Requests share one inference worker, which runs replies one after the other
// in the order they came; up to `limit` requests may be in it (running or waiting) at once. One more is
// refused at once with 429 and a Retry-After of about how long a request has taken lately, rather than left
// to wait without end while clients time out and retry on top.
export const DEFAULT_QUEUE_LIMIT = 16;

/** Weight of the newest request in the running mean of durations. */
const SMOOTHING = 0.3;

export interface Ticket {
  /** The request is over (done, failed or abandoned); call once. */
  leave(): void;
}

export class Admission {
  private active = 0;
  private meanSeconds: number | null = null;

  constructor(readonly limit = DEFAULT_QUEUE_LIMIT) {
    if (!(Number.isInteger(limit) && limit >= 1)) throw new Error(`Admission: the queue limit must be a whole number >= 1, not ${limit}.`);
  }

  get inFlight(): number {
    return this.active;
  }

  /** A place in the queue, or null when it is full. */
  enter(now: () => number = Date.now): Ticket | null {
    if (this.active >= this.limit) return null;
    this.active++;
    const start = now();
    let left = false;
    return {
      leave: () => {
        if (left) return;
        left = true;
        this.active--;
        const seconds = (now() - start) / 1000;
        this.meanSeconds = this.meanSeconds === null ? seconds : SMOOTHING * seconds + (1 - SMOOTHING) * this.meanSeconds;
      },
    };
  }

  /** Whole seconds to wait before trying again: a request's recent mean duration, at least 1. */
  retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.meanSeconds ?? 1));
  }
}
