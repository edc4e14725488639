import type { Usage } from '@switchyard/core';
import { readUsageFields, type UsageFieldNames } from './read-usage-fields.js';

const chatCompletionsUsage: UsageFieldNames = {
  input: 'prompt_tokens',
  output: 'completion_tokens',
  inputDetails: 'prompt_tokens_details',
  outputDetails: 'completion_tokens_details',
};

/**
 * An OpenAI Chat Completions `usage` object → canonical usage, or undefined when the
 * gateway cannot bill from it (readUsageFields): a stream then bills the gateway's
 * estimate of what was delivered, a whole answer the estimate of its content.
 */
export function readOpenAIUsage(raw: unknown): Usage | undefined {
  return readUsageFields(raw, chatCompletionsUsage);
}
