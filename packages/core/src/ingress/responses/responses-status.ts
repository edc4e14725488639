import type { FinishReason } from '../../canonical/chat-response.js';
import type { ResponsesResponse } from './responses-wire-types.js';

/**
 * A finish reason as a Response's `status` and `incomplete_details`: an answer cut by
 * the token limit or a content filter is `incomplete`; everything else (tool calls
 * included: the Responses API has no separate reason for them) is `completed`.
 */
export function toResponsesStatus(reason: FinishReason): Pick<ResponsesResponse, 'status' | 'incomplete_details'> {
  if (reason.unified === 'length') return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
  if (reason.unified === 'content-filter') return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
  return { status: 'completed', incomplete_details: null };
}
