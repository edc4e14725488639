import { readErrorCases, type MockErrorCases } from '../mock-server/mock-error-cases.js';
import type { CommonErrorCase } from '../mock-server/mock-script.js';

/**
 * Names of the answer cases in the Azure fixture `errors.json` a script can ask
 * for. `content_filter` is a short name for `content_filter_prompt`.
 */
export type AzureErrorCase = CommonErrorCase | 'deployment_not_found' | 'content_filter_prompt' | 'content_filter';

/**
 * The answers of `errors.json`; the stream error is `data: {"error": …}\n\n`: the
 * fixture has no in-stream error, so it is the `server_error` body as an event.
 */
export type AzureErrorCases = MockErrorCases<AzureErrorCase>;

/** The fixture folder of Azure OpenAI. */
export const azureFixtures = 'azure-openai';

const caseNames: Array<Exclude<AzureErrorCase, 'content_filter'>> = [
  'invalid_key',
  'permission_denied',
  'deployment_not_found',
  'rate_limit',
  'server_error',
  'overloaded',
  'bad_request',
  'content_filter_prompt',
  'context_length_exceeded',
];

/** Reads and checks `azure-openai/errors.json` once, so a broken fixture fails at start, not mid-test. */
export function loadAzureErrorCases(): AzureErrorCases {
  const { cases: read } = readErrorCases(azureFixtures, caseNames);
  const cases = { ...read, content_filter: read.content_filter_prompt };
  return { cases, streamErrorWire: `data: ${JSON.stringify(cases.server_error.body)}\n\n` };
}
