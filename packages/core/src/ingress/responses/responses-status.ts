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

/** The statuses of a Response OpenAI defines (its SDKs' `ResponseStatus`). */
const responsesStatuses = new Set<string>(['completed', 'failed', 'in_progress', 'cancelled', 'queued', 'incomplete']);
/** The reasons OpenAI gives for an incomplete Response. */
const incompleteReasons = new Set<unknown>(['max_output_tokens', 'content_filter']);

/**
 * Whether a Response's `status` and `incomplete_details` are values OpenAI defines: a
 * status of its own, and details that are either none (for a status other than
 * `incomplete`) or an object whose `reason` is one of its own.
 */
export function isResponsesStatus(status: unknown, incompleteDetails: unknown): boolean {
  if (typeof status !== 'string' || !responsesStatuses.has(status)) return false;
  if (incompleteDetails === null || incompleteDetails === undefined) return status !== 'incomplete';
  return typeof incompleteDetails === 'object' && !Array.isArray(incompleteDetails) && incompleteReasons.has((incompleteDetails as { reason?: unknown }).reason);
}

/**
 * The fast path's final Response (a copy of the upstream's, changed in place) with a
 * `status` or `incomplete_details` OpenAI does not define (a made-up status or reason, a
 * number, an `incomplete` without a reason) written as the translated path writes
 * `reason`, the finish the tap read from it (toResponsesStatus: `completed` and no
 * details, unless it was cut by the token limit or a filter). Defined values are left as
 * they came. Returns whether it wrote.
 */
export function withResponsesStatus(response: Record<string, unknown>, reason: FinishReason): boolean {
  if (isResponsesStatus(response['status'], response['incomplete_details'])) return false;
  const written = toResponsesStatus(reason);
  response['status'] = written.status;
  response['incomplete_details'] = written.incomplete_details;
  return true;
}
