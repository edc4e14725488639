import { commonErrorCaseNames, readErrorCases, readWireEntry, type MockErrorCases } from '../mock-server/mock-error-cases.js';
import type { CommonErrorCase } from '../mock-server/mock-script.js';

/** Names of the answer cases in the Gemini fixture `errors.json` a script can ask for. */
export type GeminiErrorCase = CommonErrorCase | 'not_found' | 'deadline_exceeded' | 'prompt_blocked';

/**
 * The answers of `errors.json`; the stream error is the raw `data: {"error": …}\r\n\r\n`
 * a stream that fails after it began ends with.
 */
export type GeminiErrorCases = MockErrorCases<GeminiErrorCase>;

const caseNames: GeminiErrorCase[] = [
  ...commonErrorCaseNames,
  'not_found',
  'deadline_exceeded',
  'prompt_blocked',
];

/** Reads and checks `gemini/errors.json` once, so a broken fixture fails at start, not mid-test. */
export function loadGeminiErrorCases(): GeminiErrorCases {
  const { file, cases } = readErrorCases('gemini', caseNames);
  return { cases, streamErrorWire: readWireEntry('gemini', file, 'stream_error') };
}
