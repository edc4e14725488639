import { readErrorCases, readWireEntry, type MockErrorCases } from '../mock-server/mock-error-cases.js';
import type { OpenAIErrorCaseName } from '../mock-server/mock-script.js';

/**
 * The error answers of `errors.json`; the stream error is the `data: {"error":…}\n\n`
 * event OpenAI sends when a stream fails after it began.
 */
export type OpenAIErrorCases = MockErrorCases<OpenAIErrorCaseName>;

const caseNames: OpenAIErrorCaseName[] = [
  'rate_limit',
  'server_error',
  'overloaded',
  'invalid_key',
  'context_length_exceeded',
  'bad_request',
  'insufficient_quota',
  'permission_denied',
];

/** Reads and checks `errors.json` once, so a broken fixture fails at start, not mid-test. */
export function loadOpenAIErrorCases(): OpenAIErrorCases {
  const { file, cases } = readErrorCases('openai', caseNames);
  return { cases, streamErrorWire: readWireEntry('openai', file, 'stream_error_event') };
}
