import { mayHoldMistypedAnthropicText, type ServerSentEvent } from '@switchyard/core';

/**
 * The lazy tap's test for Anthropic's named events (ChatPassthroughAdapter.isContentOnly):
 * a `content_block_delta` holds only a block's text, thinking, tool input, signature
 * or citation, most of a stream's events. The decoder goes by the `event:` name when
 * there is one (not by the data's `type`), so the name alone says it safely. Events
 * without a name are decoded: the data's `type` decides those, and a repeated key
 * could make it say something else than the text seems to. So is a delta that may hold
 * a text of the wrong type (`"text":{}`): the fast path's encoder does not write it, as
 * the translated path does not (mayHoldMistypedAnthropicText).
 */
export function isContentOnlyEvent(event: ServerSentEvent): boolean {
  return event.event === 'content_block_delta' && !mayHoldMistypedAnthropicText.test(event.data);
}
