import { readErrorCases, readWireEntry, type MockErrorCases } from '../mock-server/mock-error-cases.js';
import type { CommonErrorCase } from '../mock-server/mock-script.js';

/** Names of the error cases in the Anthropic fixture `errors.json` (`overloaded` is the 529). */
export type AnthropicErrorCase = CommonErrorCase | 'not_found' | 'request_too_large';

/**
 * The error answers of `errors.json`; the stream error is the `event: error` event
 * Anthropic sends when a stream fails after its 200.
 */
export type AnthropicErrorCases = MockErrorCases<AnthropicErrorCase>;

const caseNames: AnthropicErrorCase[] = [
  'invalid_key',
  'permission_denied',
  'not_found',
  'request_too_large',
  'rate_limit',
  'server_error',
  'overloaded',
  'bad_request',
  'context_length_exceeded',
];

/** Reads and checks `errors.json` once, so a broken fixture fails at start, not mid-test. */
export function loadAnthropicErrorCases(): AnthropicErrorCases {
  const { file, cases } = readErrorCases('anthropic', caseNames);
  return { cases, streamErrorWire: readWireEntry('anthropic', file, 'stream_error_event') };
}
