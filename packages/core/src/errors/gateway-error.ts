import { errorCatalogue, type ErrorCode } from './error-catalogue.js';
import { SecretRedactor } from './redact-secrets.js';
import { checkedUsage } from '../canonical/checked-usage.js';
import type { Usage } from '../canonical/usage.js';

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
  /**
   * What the upstream reported it used although the attempt failed (an answer of
   * 200 with usage whose content could not be read): the provider bills it, so the
   * request's record and budget do too.
   */
  billedUsage?: Usage;
  /**
   * The client asked for this failure (a test provider's failure injection, such as the mock's
   * `provider_options.mock.fail`): it says nothing of the deployment's health, so the circuit
   * breaker counts it neither way.
   */
  requestedByClient?: boolean;
  cause?: unknown;
}

/** The body every error response has: OpenAI's error envelope. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; code: string; param: string | null };
}

/**
 * Marks GatewayErrors across copies of `@switchyard/core`: a plugin installed with
 * its own copy throws errors of a different class, so `instanceof` cannot be trusted.
 */
const gatewayErrorBrand = Symbol.for('switchyard.gateway-error');

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
  readonly billedUsage: Usage | undefined;
  readonly requestedByClient: boolean;

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
    this.billedUsage = options.billedUsage;
    this.requestedByClient = options.requestedByClient === true;
  }

  /** The client's view; key-shaped strings are blanked once more on the way out, whoever built the error. */
  toBody(): OpenAIErrorBody {
    const param = this.param === null ? null : lastLineRedactor.redact(this.param);
    return { error: { message: lastLineRedactor.redact(this.message), type: this.type, code: this.code, param } };
  }
}
Object.defineProperty(GatewayError.prototype, gatewayErrorBrand, { value: true });

/**
 * Whether a value is a GatewayError from this or any other copy of
 * `@switchyard/core`: it carries the shared brand and well-formed fields. Use it
 * instead of `instanceof GatewayError` wherever a plugin's error may arrive.
 */
export function isGatewayError(value: unknown): value is GatewayError {
  if (value instanceof GatewayError) return true;
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<PropertyKey, unknown>;
  return (
    candidate[gatewayErrorBrand] === true &&
    typeof candidate['code'] === 'string' &&
    typeof candidate['message'] === 'string' &&
    typeof candidate['type'] === 'string' &&
    typeof candidate['retryable'] === 'boolean' &&
    Number.isInteger(candidate['status']) &&
    (candidate['status'] as number) >= 400 &&
    (candidate['status'] as number) <= 599
  );
}

/**
 * Wraps anything thrown into a GatewayError without leaking its message to clients.
 * A GatewayError from another copy of core becomes one of this copy with the same
 * code, status, retryable flag and upstream details, so failover and the answer
 * stay what the plugin meant.
 */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  if (isGatewayError(error)) return adoptForeignError(error);
  return new GatewayError('internal_error', 'The gateway failed to handle the request.', { cause: error });
}

/** The same error carrying `billedUsage` (the error itself when there is none to add or it has its own). */
export function withBilledUsage(error: GatewayError, billedUsage: Usage | undefined): GatewayError {
  if (!billedUsage || error.billedUsage) return error;
  const code = Object.hasOwn(errorCatalogue, error.code) ? error.code : 'internal_error';
  const copy = new GatewayError(code, error.message, {
    param: error.param,
    retryable: error.retryable,
    billedUsage,
    ...(error.retryAfterSeconds !== undefined && { retryAfterSeconds: error.retryAfterSeconds }),
    ...(error.upstreamStatus !== undefined && { upstreamStatus: error.upstreamStatus }),
    ...(error.provider !== undefined && { provider: error.provider }),
    ...(error.requestedByClient && { requestedByClient: true }),
    ...(error.cause !== undefined && { cause: error.cause }),
  });
  // A code only a newer core knows (adoptForeignError) keeps its status and type.
  if (code !== error.code) Object.assign(copy, { code: error.code, status: error.status, type: error.type });
  copy.stack = error.stack;
  return copy;
}

/** What a foreign copy's fields may be before they reach a header, a log or the ledger. */
const foreignCode = /^[a-z][a-z0-9_]{0,63}$/;
/** The longest wait the gateway passes on (a day): an upstream's Retry-After can say anything. */
export const maxRetryAfterSeconds = 86_400;

function adoptForeignError(foreign: GatewayError): GatewayError {
  const known = Object.hasOwn(errorCatalogue, foreign.code);
  // A newer copy of core may know codes this one does not: keep them when they look like codes.
  const keepUnknown = !known && foreignCode.test(foreign.code) && foreignCode.test(foreign.type);
  const optional = <T>(value: unknown, check: (value: unknown) => value is T): T | undefined => (check(value) ? value : undefined);
  const inRange = (low: number, high: number) => (value: unknown): value is number =>
    typeof value === 'number' && Number.isFinite(value) && value >= low && value <= high;
  const isShortString = (value: unknown): value is string => typeof value === 'string' && value.length <= 256;
  const retryAfterSeconds = optional(foreign.retryAfterSeconds, inRange(0, maxRetryAfterSeconds));
  const upstreamStatus = optional(foreign.upstreamStatus, inRange(100, 599));
  const provider = optional(foreign.provider, isShortString);
  const param = optional(foreign.param, isShortString);
  // Whole counts only: it reaches the ledger and the budget.
  const billedUsage = checkedUsage(foreign.billedUsage);
  const adopted = new GatewayError(known ? foreign.code : 'internal_error', foreign.message, {
    retryable: foreign.retryable,
    cause: foreign,
    ...(param !== undefined && { param }),
    ...(retryAfterSeconds !== undefined && { retryAfterSeconds }),
    ...(upstreamStatus !== undefined && { upstreamStatus }),
    ...(provider !== undefined && { provider }),
    ...(billedUsage !== undefined && { billedUsage }),
    ...(foreign.requestedByClient === true && { requestedByClient: true }),
  });
  if (keepUnknown) Object.assign(adopted, { code: foreign.code, status: foreign.status, type: foreign.type });
  return adopted;
}
