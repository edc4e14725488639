import { errorCatalogue, type ErrorCode } from './error-catalogue.js';
import { SecretRedactor } from './redact-secrets.js';

/** Key-shaped strings only: the provider's own secrets were blanked where its words came in. */
const lastLineRedactor = new SecretRedactor();

export interface GatewayErrorOptions {
  /** The request field at fault, reported as OpenAI's `error.param`. */
  param?: string | null;
  /** Overrides the catalogue's retryable flag (a 429 quota error is not retryable). */
  retryable?: boolean;
  /** Seconds the upstream asked us to wait before trying again. */
  retryAfterSeconds?: number;
  /** The upstream status this error was mapped from, for logs and the ledger. */
  upstreamStatus?: number;
  /** The provider that produced it. */
  provider?: string;
  cause?: unknown;
}

/** The body every error response has: OpenAI's error envelope. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; code: string; param: string | null };
}

/**
 * The one error type of the gateway. Everything that reaches a client as an error
 * is a GatewayError with a code from the catalogue.
 */
export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  readonly retryable: boolean;
  readonly retryAfterSeconds: number | undefined;
  readonly upstreamStatus: number | undefined;
  readonly provider: string | undefined;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const entry = errorCatalogue[code];
    this.code = code;
    this.status = entry.status;
    this.type = entry.type;
    this.param = options.param ?? null;
    this.retryable = options.retryable ?? entry.retryable;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.upstreamStatus = options.upstreamStatus;
    this.provider = options.provider;
  }

  /** The client's view; key-shaped strings are blanked once more on the way out, whoever built the error. */
  toBody(): OpenAIErrorBody {
    const param = this.param === null ? null : lastLineRedactor.redact(this.param);
    return { error: { message: lastLineRedactor.redact(this.message), type: this.type, code: this.code, param } };
  }
}

export function isGatewayError(value: unknown): value is GatewayError {
  return value instanceof GatewayError;
}

/** Wraps anything thrown into a GatewayError without leaking its message to clients. */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  return new GatewayError('internal_error', 'The gateway failed to handle the request.', { cause: error });
}
