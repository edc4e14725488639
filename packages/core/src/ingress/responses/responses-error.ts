import type { GatewayError } from '../../errors/gateway-error.js';

/**
 * The members of the openai SDK's `ResponseError.code` (a closed union) that a gateway
 * failure can be told as; the rest (image, vector store, residency, bio policy) name
 * causes the gateway never has. test/responses-error.test.ts holds them to the SDK's type.
 */
export type ResponsesErrorCode = 'server_error' | 'rate_limit_exceeded' | 'invalid_prompt';

/** The `error` of a failed Response. */
export interface ResponsesError {
  code: ResponsesErrorCode;
  message: string;
}

/**
 * The closest member for a gateway error: a 429 is a rate limit (a spent quota too: the
 * union has nothing closer), a request the client must change (400, 413) an invalid prompt,
 * anything else the server's (a 5xx, or an upstream's key or model failing mid-answer,
 * which the client cannot fix either).
 */
export function toResponsesErrorCode(status: number): ResponsesErrorCode {
  if (status === 429) return 'rate_limit_exceeded';
  if (status === 400 || status === 413) return 'invalid_prompt';
  return 'server_error';
}

/**
 * A failed Response's `error`: a code the SDKs' type knows, and the gateway's own stable
 * code (what logs, metrics and docs/errors.md use) kept in the message, which is free text,
 * unless it is the same word. Redacted as every error body is.
 */
export function toResponsesError(error: GatewayError): ResponsesError {
  const { error: body } = error.toBody();
  const code = toResponsesErrorCode(error.status);
  return { code, message: code === body.code ? body.message : `${body.message} (gateway code: ${body.code})` };
}
