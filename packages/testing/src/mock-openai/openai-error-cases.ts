import { readFixtureJson } from '../fixtures.js';
import { isRecord } from '../mock-server/is-record.js';
import type { OpenAIErrorCaseName } from '../mock-server/mock-script.js';

/** One error answer from the OpenAI fixture `errors.json`. */
export interface OpenAIErrorCase {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** The error answers of `errors.json`, plus the raw in-stream error event. */
export interface OpenAIErrorCases {
  cases: Record<OpenAIErrorCaseName, OpenAIErrorCase>;
  /** The `data: {"error":…}\n\n` event OpenAI sends when a stream fails after it began. */
  streamErrorWire: string;
}

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
  const file = readFixtureJson('openai', 'errors.json');
  if (!isRecord(file)) throw new Error('openai/errors.json is not a JSON object');
  const cases = Object.fromEntries(caseNames.map((name) => [name, readCase(file, name)])) as Record<
    OpenAIErrorCaseName,
    OpenAIErrorCase
  >;
  const streamError = file['stream_error_event'];
  if (!isRecord(streamError) || typeof streamError['wire'] !== 'string') {
    throw new Error('openai/errors.json has no stream_error_event.wire');
  }
  return { cases, streamErrorWire: streamError['wire'] };
}

function readCase(file: Record<string, unknown>, name: OpenAIErrorCaseName): OpenAIErrorCase {
  const entry = file[name];
  if (!isRecord(entry) || typeof entry['status'] !== 'number' || !isRecord(entry['headers'])) {
    throw new Error(`openai/errors.json: case "${name}" needs a status, headers and a body`);
  }
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(entry['headers'])) headers[key] = String(value);
  return { status: entry['status'], headers, body: entry['body'] };
}
