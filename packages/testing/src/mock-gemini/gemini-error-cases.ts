import { readFixtureJson } from '../fixtures.js';
import { isRecord } from '../mock-server/is-record.js';
import type { CommonErrorCase } from '../mock-server/mock-script.js';

/** Names of the answer cases in the Gemini fixture `errors.json` a script can ask for. */
export type GeminiErrorCase = CommonErrorCase | 'not_found' | 'deadline_exceeded' | 'prompt_blocked';

/** One answer from the Gemini fixture `errors.json`. */
export interface GeminiErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** The answers of `errors.json`, plus the raw in-stream error event. */
export interface GeminiErrorCases {
  cases: Record<GeminiErrorCase, GeminiErrorAnswer>;
  /** `data: {"error": …}\r\n\r\n`, what a stream that fails after it began ends with. */
  streamErrorWire: string;
}

const caseNames: GeminiErrorCase[] = [
  'invalid_key',
  'permission_denied',
  'bad_request',
  'rate_limit',
  'overloaded',
  'server_error',
  'context_length_exceeded',
  'not_found',
  'deadline_exceeded',
  'prompt_blocked',
];

/** Reads and checks `gemini/errors.json` once, so a broken fixture fails at start, not mid-test. */
export function loadGeminiErrorCases(): GeminiErrorCases {
  const file = readFixtureJson('gemini', 'errors.json');
  if (!isRecord(file)) throw new Error('gemini/errors.json is not a JSON object');
  const cases = Object.fromEntries(caseNames.map((name) => [name, readCase(file, name)])) as Record<GeminiErrorCase, GeminiErrorAnswer>;
  const streamError = file['stream_error'];
  if (!isRecord(streamError) || typeof streamError['wire'] !== 'string') {
    throw new Error('gemini/errors.json has no stream_error.wire');
  }
  return { cases, streamErrorWire: streamError['wire'] };
}

function readCase(file: Record<string, unknown>, name: GeminiErrorCase): GeminiErrorAnswer {
  const entry = file[name];
  if (!isRecord(entry) || typeof entry['status'] !== 'number' || !isRecord(entry['headers'])) {
    throw new Error(`gemini/errors.json: case "${name}" needs a status, headers and a body`);
  }
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(entry['headers'])) headers[key] = String(value);
  return { status: entry['status'], headers, body: entry['body'] };
}
