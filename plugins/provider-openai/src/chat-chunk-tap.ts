import { mayHoldMistypedOpenAIText, mayHoldMistypedOpenAIToolCall, type ServerSentEvent } from '@switchyard/core';

/**
 * What makes a chunk worth decoding, found in its raw text: `error` (a top-level
 * error, `object:"error"`), a `usage` (OpenAI's, Groq's `x_groq.usage`) or a
 * `finish_reason` that is not `null` (OpenAI sends `"usage":null` on every chunk of
 * a stream asked for usage), and any `\u` escape (a key spelled with escapes would
 * hide from this test). Any of these anywhere, in a key or in the content, sends
 * the chunk to the decoder: a false alarm costs one parse, a miss would lose a
 * usage or an error. A JSON string's quotes are escaped, so a bare-quoted
 * `usage":null` can only end a key whose value is null.
 */
const mayCarryMoreThanContent = /error|\\u|(?:usage|finish_reason)(?!"\s*:\s*null\b)/;

/**
 * The two tests in one pass: a chunk that may hold more than content, or a text of the
 * wrong type (`"content":12345`), which the fast path's encoder writes again as the
 * translated path does, so it must be read (mayHoldMistypedOpenAIText).
 */
const mayNeedReading = new RegExp(`${mayCarryMoreThanContent.source}|${mayHoldMistypedOpenAIText.source}`);

/**
 * The lazy tap's test for OpenAI and compatible `chat.completion.chunk` events
 * (ChatPassthroughAdapter.isContentOnly): true for a chunk that can hold only
 * content deltas, which then goes to the client without being parsed. `[DONE]`, a
 * named event, a chunk that may hold a text or a tool call field of the wrong type
 * (a tool call other than a piece of arguments as OpenAI writes it), anything that does not
 * look like one JSON object, and an object without a `choices` key (which holds no content: an error in a shape of its own,
 * `{"message":"Incorrect API key …"}`, is one) are decoded.
 */
export function isContentOnlyChunk(event: ServerSentEvent): boolean {
  const data = event.data;
  if (event.event !== undefined) return false;
  if (data.charCodeAt(0) !== 0x7b /* { */ || data.charCodeAt(data.length - 1) !== 0x7d /* } */) return false;
  return data.includes('"choices"') && !mayNeedReading.test(data) && !mayHoldMistypedOpenAIToolCall(data);
}
