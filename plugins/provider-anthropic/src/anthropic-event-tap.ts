import { mayHoldMistypedAnthropicText, mayHoldNonObjectDelta, mayLackAnthropicText, type ServerSentEvent } from '@switchyard/core';
import { isExactBlockDelta } from './block-delta-event.js';

/**
 * The lazy tap's test for Anthropic's named events (ChatPassthroughAdapter.isContentOnly):
 * a `content_block_delta` holds only a block's text, thinking, tool input, signature
 * or citation, most of a stream's events. The decoder goes by the `event:` name when
 * there is one (not by the data's `type`), so the name alone says it safely. Events
 * without a name are decoded: the data's `type` decides those, and a repeated key
 * could make it say something else than the text seems to. So is a delta that may hold
 * a text of the wrong type (`"text":{}`), and one of a kind that holds text
 * (`text_delta` …) unless it is in Anthropic's exact shape, which holds it: one
 * without it (`{"type":"text_delta"}`) is not written by the fast path's encoder, as
 * the translated path writes nothing for it (mayHoldMistypedAnthropicText, mayLackAnthropicText);
 * and a delta that may not be an object (mayHoldNonObjectDelta), which is not written either.
 */
export function isContentOnlyEvent(event: ServerSentEvent): boolean {
  const data = event.data;
  if (event.event !== 'content_block_delta' || mayHoldMistypedAnthropicText.test(data)) return false;
  // A delta of another kind is read only when it may not be an object (`"delta":null`), which is not written.
  return mayLackAnthropicText.test(data) ? isExactBlockDelta(data) : !mayHoldNonObjectDelta.test(data);
}
