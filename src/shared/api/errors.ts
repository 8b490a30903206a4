// Errors that cross a process or network boundary: data ({code, message, details}), never a stack trace.
export type GroveErrorCode =
  'bad_input' | 'unknown_method' | 'unauthorized' | 'forbidden' | 'not_found' | 'conflict' | 'unsupported' | 'internal';

export interface GroveErrorData {
  code: GroveErrorCode;
  message: string;
  details?: unknown;
}

export class GroveError extends Error implements GroveErrorData {
  override readonly name = 'GroveError';
  constructor(
    readonly code: GroveErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }

  toData(): GroveErrorData {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }

  static fromData(data: GroveErrorData): GroveError {
    return new GroveError(data.code, data.message, data.details);
  }
}

/** Turns anything thrown into wire data; unknown errors keep their message but not their stack. */
export function toErrorData(err: unknown): GroveErrorData {
  if (err instanceof GroveError) return err.toData();
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'internal', message };
}
