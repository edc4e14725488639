import { readFixtureJson } from '../fixtures.js';
import { isRecord } from '../mock-server/is-record.js';
import type { CommonErrorCase } from '../mock-server/mock-script.js';

/** Names of the error cases in the Anthropic fixture `errors.json` (`overloaded` is the 529). */
export type AnthropicErrorCase = CommonErrorCase | 'not_found' | 'request_too_large';

/** One error answer from the Anthropic fixture `errors.json`. */
export interface AnthropicErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** The error answers of `errors.json`, plus the raw in-stream error event. */
export interface AnthropicErrorCases {
  cases: Record<AnthropicErrorCase, AnthropicErrorAnswer>;
  /** The `event: error` event Anthropic sends when a stream fails after its 200. */
  streamErrorWire: string;
}

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
  const file = readFixtureJson('anthropic', 'errors.json');
  if (!isRecord(file)) throw new Error('anthropic/errors.json is not a JSON object');
  const cases = Object.fromEntries(caseNames.map((name) => [name, readCase(file, name)])) as Record<
    AnthropicErrorCase,
    AnthropicErrorAnswer
  >;
  const streamError = file['stream_error_event'];
  if (!isRecord(streamError) || typeof streamError['wire'] !== 'string') {
    throw new Error('anthropic/errors.json has no stream_error_event.wire');
  }
  return { cases, streamErrorWire: streamError['wire'] };
}

function readCase(file: Record<string, unknown>, name: AnthropicErrorCase): AnthropicErrorAnswer {
  const entry = file[name];
  if (!isRecord(entry) || typeof entry['status'] !== 'number' || !isRecord(entry['headers'])) {
    throw new Error(`anthropic/errors.json: case "${name}" needs a status, headers and a body`);
  }
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(entry['headers'])) headers[key] = String(value);
  return { status: entry['status'], headers, body: entry['body'] };
}
