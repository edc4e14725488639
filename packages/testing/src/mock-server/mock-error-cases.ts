import { readFixtureJson } from '../fixtures.js';
import { isRecord } from './is-record.js';
import type { CommonErrorCase } from './mock-script.js';
import type { ResponseWriter } from './response-writer.js';

/** One error answer of a provider's fixture `errors.json`: what the mock sends for a scripted `error`. */
export interface MockErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** A provider's error answers by case name, and what a stream that fails after its 200 ends with. */
export interface MockErrorCases<Name extends string> {
  cases: Record<Name, MockErrorAnswer>;
  /** The in-stream failure, as raw wire text in the provider's event format. */
  streamErrorWire: string;
}

/** Sends an error answer as JSON, `headers` laid over its own. */
export function sendErrorAnswer(writer: ResponseWriter, answer: MockErrorAnswer, headers?: Record<string, string>): void {
  writer.sendJson(answer.status, answer.body, { ...answer.headers, ...headers });
}

/** The cases every mock's `errors.json` has, in the order of {@link CommonErrorCase}. */
export const commonErrorCaseNames: readonly CommonErrorCase[] = [
  'invalid_key',
  'permission_denied',
  'bad_request',
  'rate_limit',
  'overloaded',
  'server_error',
  'context_length_exceeded',
];

/**
 * Reads and checks a provider's `errors.json` once, so a broken fixture fails at
 * start, not mid-test. Gives the named cases and the whole file, for the entries
 * beside the cases (a provider's in-stream error).
 */
export function readErrorCases<Name extends string>(
  fixtures: string,
  names: readonly Name[],
): { file: Record<string, unknown>; cases: Record<Name, MockErrorAnswer> } {
  const file = readFixtureJson(fixtures, 'errors.json');
  if (!isRecord(file)) throw new Error(`${fixtures}/errors.json is not a JSON object`);
  const cases = Object.fromEntries(names.map((name) => [name, readCase(fixtures, file, name)])) as Record<Name, MockErrorAnswer>;
  return { file, cases };
}

/** The raw wire text an entry of `errors.json` holds under `wire` (an in-stream error event). */
export function readWireEntry(fixtures: string, file: Record<string, unknown>, entryName: string): string {
  const entry = file[entryName];
  if (!isRecord(entry) || typeof entry['wire'] !== 'string') {
    throw new Error(`${fixtures}/errors.json has no ${entryName}.wire`);
  }
  return entry['wire'];
}

/** A record's values as strings, as headers are sent. */
export function stringValues(record: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, String(value)]));
}

function readCase(fixtures: string, file: Record<string, unknown>, name: string): MockErrorAnswer {
  const entry = file[name];
  if (!isRecord(entry) || typeof entry['status'] !== 'number' || !isRecord(entry['headers'])) {
    throw new Error(`${fixtures}/errors.json: case "${name}" needs a status, headers and a body`);
  }
  return { status: entry['status'], headers: stringValues(entry['headers']), body: entry['body'] };
}
