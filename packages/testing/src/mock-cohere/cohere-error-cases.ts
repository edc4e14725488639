import { readErrorCases, type MockErrorCases } from '../mock-server/mock-error-cases.js';
import type { CommonErrorCase } from '../mock-server/mock-script.js';

/** Names of the error cases in the Cohere fixture `errors.json` (`overloaded` is the 503). */
export type CohereErrorCase =
  | CommonErrorCase
  | 'invalid_token_498'
  | 'payment_required'
  | 'unprocessable'
  | 'client_closed';

/**
 * The error answers of `errors.json`, and what a stream that fails after its 200
 * ends with. Cohere has no error event type; the fixture has none either, so the
 * mock sends a `message-end` with `finish_reason: "ERROR"` and an `error` text
 * (UNCONFIRMED, as the TS SDK's `ChatMessageEndEventDelta.error` suggests).
 */
export type CohereErrorCases = MockErrorCases<CohereErrorCase>;

/** Every case name of `errors.json`. */
export const cohereErrorCaseNames: readonly CohereErrorCase[] = [
  'invalid_key',
  'invalid_token_498',
  'permission_denied',
  'payment_required',
  'rate_limit',
  'client_closed',
  'server_error',
  'overloaded',
  'bad_request',
  'unprocessable',
  'context_length_exceeded',
];

const streamErrorData = {
  type: 'message-end',
  delta: { finish_reason: 'ERROR', error: 'internal server error, this has been reported to our developers' },
};

/** Reads and checks `errors.json` once, so a broken fixture fails at start, not mid-test. */
export function loadCohereErrorCases(): CohereErrorCases {
  const { cases } = readErrorCases('cohere', cohereErrorCaseNames);
  return { cases, streamErrorWire: `event: message-end\ndata: ${JSON.stringify(streamErrorData)}\n\n` };
}
