/**
 * Every error the gateway can answer with, by stable code. The code is what clients
 * and dashboards match on; messages may change, codes may not. docs/errors.md lists
 * them for users; a test keeps the two in step.
 */
export const errorCatalogue = {
  // The client's request.
  invalid_json: { status: 400, type: 'invalid_request_error', retryable: false },
  invalid_request: { status: 400, type: 'invalid_request_error', retryable: false },
  request_too_large: { status: 413, type: 'invalid_request_error', retryable: false },
  unsupported_media_type: { status: 415, type: 'invalid_request_error', retryable: false },
  /** Node's HTTP parser refused the request (bad request line, bad header, bad chunking). */
  malformed_request: { status: 400, type: 'invalid_request_error', retryable: false },
  /** The request line and headers are larger than Node's limit (`--max-http-header-size`, 16 KiB). */
  headers_too_large: { status: 431, type: 'invalid_request_error', retryable: false },
  /** The client did not send its headers or its whole body within `server.headers_timeout_ms` / `request_timeout_ms`. */
  request_timeout: { status: 408, type: 'invalid_request_error', retryable: false },
  /** An `Expect` header other than `100-continue`, which is all HTTP/1.1 defines. */
  expectation_failed: { status: 417, type: 'invalid_request_error', retryable: false },
  not_found: { status: 404, type: 'invalid_request_error', retryable: false },
  method_not_allowed: { status: 405, type: 'invalid_request_error', retryable: false },
  model_not_found: { status: 404, type: 'invalid_request_error', retryable: false },
  unsupported_operation: { status: 400, type: 'invalid_request_error', retryable: false },
  /** `previous_response_id` names no stored response this key may continue (unknown, another key's, expired, or deleted); OpenAI's own code. */
  previous_response_not_found: { status: 400, type: 'invalid_request_error', retryable: false },

  // Who is calling.
  missing_api_key: { status: 401, type: 'authentication_error', retryable: false },
  invalid_api_key: { status: 401, type: 'authentication_error', retryable: false },
  key_expired: { status: 401, type: 'authentication_error', retryable: false },
  key_revoked: { status: 401, type: 'authentication_error', retryable: false },
  key_disabled: { status: 401, type: 'authentication_error', retryable: false },
  /** A dashboard call without a live session (never logged in, logged out, expired, or its key revoked). */
  session_required: { status: 401, type: 'authentication_error', retryable: false },
  /** A dashboard call that changes something came without the dashboard's own header, or from another site. */
  csrf_rejected: { status: 403, type: 'permission_error', retryable: false },
  /** Too many failed dashboard logins from one address in a minute. */
  too_many_logins: { status: 429, type: 'rate_limit_error', retryable: false },

  // What the caller's key may do.
  model_not_allowed: { status: 403, type: 'permission_error', retryable: false },
  endpoint_not_allowed: { status: 403, type: 'permission_error', retryable: false },
  /** A budgeted key's call to a deployment without a price, with key-scope's `unpriced_models: refuse`. */
  model_unpriced: { status: 403, type: 'permission_error', retryable: false },
  insufficient_quota: { status: 429, type: 'insufficient_quota', retryable: false },
  key_not_found: { status: 404, type: 'invalid_request_error', retryable: false },
  /** Admin API: the change conflicts with the key's state (rotating a revoked key). */
  key_state_conflict: { status: 409, type: 'invalid_request_error', retryable: false },

  // What the upstream provider said, mapped.
  upstream_bad_request: { status: 400, type: 'invalid_request_error', retryable: false },
  /** The provider (or a proxy before it) refused the request's size with a 413: the client's to shrink, so said with the same status. */
  upstream_request_too_large: { status: 413, type: 'invalid_request_error', retryable: false },
  context_length_exceeded: { status: 400, type: 'invalid_request_error', retryable: false },
  content_filter: { status: 400, type: 'invalid_request_error', retryable: false },
  upstream_authentication_failed: { status: 401, type: 'authentication_error', retryable: false },
  upstream_permission_denied: { status: 403, type: 'permission_error', retryable: false },
  upstream_not_found: { status: 404, type: 'invalid_request_error', retryable: false },
  rate_limit_exceeded: { status: 429, type: 'rate_limit_error', retryable: true },
  upstream_quota_exceeded: { status: 429, type: 'insufficient_quota', retryable: false },
  upstream_server_error: { status: 502, type: 'server_error', retryable: true },
  upstream_overloaded: { status: 503, type: 'server_error', retryable: true },
  upstream_timeout: { status: 504, type: 'server_error', retryable: true },
  upstream_unreachable: { status: 502, type: 'server_error', retryable: true },
  upstream_invalid_response: { status: 502, type: 'server_error', retryable: true },
  /** The answer (a body, or a stream in total) passed `limits.stream_max_bytes`, or one stream event 32 MiB; the upstream request was aborted. */
  upstream_response_too_large: { status: 502, type: 'server_error', retryable: false },
  /** The answer was still coming after `limits.stream_max_duration_ms`; the upstream request was aborted. */
  upstream_duration_exceeded: { status: 504, type: 'server_error', retryable: false },

  // The gateway itself.
  /** The client went away before the answer was complete (nginx's 499); only ever logged. */
  client_closed_request: { status: 499, type: 'invalid_request_error', retryable: false },
  shutting_down: { status: 503, type: 'server_error', retryable: true },
  /** The gateway's database (keys, budgets) refused, dropped or did not answer in time; sent with Retry-After. */
  store_unavailable: { status: 503, type: 'server_error', retryable: true },
  internal_error: { status: 500, type: 'server_error', retryable: false },
} as const satisfies Record<string, ErrorCatalogueEntry>;

export interface ErrorCatalogueEntry {
  status: number;
  /** OpenAI's `error.type`, which SDKs and clients already understand. */
  type: string;
  /** Whether the same request may be tried on another deployment. */
  retryable: boolean;
}

export type ErrorCode = keyof typeof errorCatalogue;
