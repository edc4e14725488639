import { commonErrorCaseNames, readErrorCases, type MockErrorCases } from '../mock-server/mock-error-cases.js';
import type { CommonErrorCase } from '../mock-server/mock-script.js';

/** Names of the answer cases in the Mistral fixture `errors.json` a script can ask for. */
export type MistralErrorCase = CommonErrorCase | 'validation_error';

/**
 * The answers of `errors.json`; the stream error (its wire shape is not documented)
 * is a data event carrying the inference service's flat error body.
 */
export type MistralErrorCases = MockErrorCases<MistralErrorCase>;

const caseNames: MistralErrorCase[] = [
  ...commonErrorCaseNames,
  'validation_error',
];

/** Reads and checks `mistral/errors.json` once, so a broken fixture fails at start, not mid-test. */
export function loadMistralErrorCases(): MistralErrorCases {
  const { cases } = readErrorCases('mistral', caseNames);
  const streamError = { object: 'error', message: 'Internal server error', type: 'internal_server_error', param: null, code: null };
  return { cases, streamErrorWire: `data: ${JSON.stringify(streamError)}\n\n` };
}
