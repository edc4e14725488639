import type { Usage } from '@switchyard/core';
import { readUsageFields, type UsageFieldNames } from '../read-usage-fields.js';

const responsesUsage: UsageFieldNames = {
  input: 'input_tokens',
  output: 'output_tokens',
  inputDetails: 'input_tokens_details',
  outputDetails: 'output_tokens_details',
};

/**
 * A Responses API `usage` object → canonical usage, or undefined when the gateway
 * cannot bill from it (readUsageFields): a bad count read as 0 made the answer free.
 */
export function readResponsesUsage(raw: unknown): Usage | undefined {
  return readUsageFields(raw, responsesUsage);
}
