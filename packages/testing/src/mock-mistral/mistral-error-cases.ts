import { readFixtureJson } from '../fixtures.js';
import { isRecord } from '../mock-server/is-record.js';
import type { CommonErrorCase } from '../mock-server/mock-script.js';

/** Names of the answer cases in the Mistral fixture `errors.json` a script can ask for. */
export type MistralErrorCase = CommonErrorCase | 'validation_error';

/** One answer from the Mistral fixture `errors.json`. */
export interface MistralErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** The answers of `errors.json`, plus the in-stream error event (its wire shape is not documented). */
export interface MistralErrorCases {
  cases: Record<MistralErrorCase, MistralErrorAnswer>;
  /** A data event carrying the inference service's flat error body, as a failing stream ends. */
  streamErrorWire: string;
}

const caseNames: MistralErrorCase[] = [
  'invalid_key',
  'permission_denied',
  'bad_request',
  'rate_limit',
  'overloaded',
  'server_error',
  'context_length_exceeded',
  'validation_error',
];

/** Reads and checks `mistral/errors.json` once, so a broken fixture fails at start, not mid-test. */
export function loadMistralErrorCases(): MistralErrorCases {
  const file = readFixtureJson('mistral', 'errors.json');
  if (!isRecord(file)) throw new Error('mistral/errors.json is not a JSON object');
  const cases = Object.fromEntries(caseNames.map((name) => [name, readCase(file, name)])) as Record<MistralErrorCase, MistralErrorAnswer>;
  const streamError = { object: 'error', message: 'Internal server error', type: 'internal_server_error', param: null, code: null };
  return { cases, streamErrorWire: `data: ${JSON.stringify(streamError)}\n\n` };
}

function readCase(file: Record<string, unknown>, name: MistralErrorCase): MistralErrorAnswer {
  const entry = file[name];
  if (!isRecord(entry) || typeof entry['status'] !== 'number' || !isRecord(entry['headers'])) {
    throw new Error(`mistral/errors.json: case "${name}" needs a status, headers and a body`);
  }
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(entry['headers'])) headers[key] = String(value);
  return { status: entry['status'], headers, body: entry['body'] };
}
