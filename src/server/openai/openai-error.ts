// Errors of the OpenAI-compatible endpoint in OpenAI's shape ({"error": {"message", "type", "param", "code"}})
// with OpenAI's status codes, so that clients raise the error class they expect (the `openai` package maps
// 400, 401, 404, 429 and 5xx to their own classes). Grove's own errors are translated by their code.
import { GroveError, toErrorData, type GroveErrorCode } from '../../shared/api/errors';

export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export class OpenAiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
    /** Extra response headers (Retry-After with a 429). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  static badRequest(message: string, param: string | null, code: string | null = null): OpenAiError {
    return new OpenAiError(400, message, 'invalid_request_error', param, code);
  }

  body(): OpenAiErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

const STATUS: Record<GroveErrorCode, { status: number; type: string }> = {
  bad_input: { status: 400, type: 'invalid_request_error' },
  unsupported: { status: 400, type: 'invalid_request_error' },
  unknown_method: { status: 404, type: 'invalid_request_error' },
  not_found: { status: 404, type: 'invalid_request_error' },
  unauthorized: { status: 401, type: 'invalid_request_error' },
  forbidden: { status: 403, type: 'invalid_request_error' },
  conflict: { status: 409, type: 'invalid_request_error' },
  internal: { status: 500, type: 'server_error' },
};

/** Anything thrown while answering, as an OpenAI error (an unexpected one: a 500 with its message). */
export function openAiErrorOf(err: unknown): OpenAiError {
  if (err instanceof OpenAiError) return err;
  const data = toErrorData(err);
  const { status, type } = STATUS[err instanceof GroveError ? err.code : data.code];
  return new OpenAiError(status, data.message, type, null, data.code);
}
