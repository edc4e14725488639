import { GatewayError } from '@switchyard/core';
import type { GeminiGenerateContentResponse } from './gemini-wire-types.js';

/**
 * The error for a prompt Gemini refused to answer: HTTP 200, no candidates and a
 * `promptFeedback.blockReason`. There is no answer to hand back, so it is an error
 * (content_filter, 400) rather than an empty response.
 */
export function readPromptBlock(response: GeminiGenerateContentResponse, provider: string): GatewayError | undefined {
  const reason = response.promptFeedback?.blockReason;
  if (typeof reason !== 'string' || reason === '') return undefined;
  return new GatewayError('content_filter', `${provider} blocked the prompt (${reason}).`, { provider, upstreamStatus: 200 });
}
