import { escapedKeyPattern } from '../../transport/json-text-patterns.js';

type Json = Record<string, unknown>;

/**
 * What may hold a text of the wrong type in an Anthropic event (`"text":{}`,
 * `"thinking":7`, `"partial_json":5`), found in its raw text: one of those keys
 * followed by anything but a string, or any key spelled with a `\u` escape (from the
 * escape to the key's closing quote and its colon). A JSON string's quotes are
 * escaped, so a bare-quoted `"text":` is a key. A false alarm only costs a parse. Used
 * by the lazy tap to read such a `content_block_delta` (the anthropic provider's
 * isContentOnlyEvent) and by the fast path's encoder to write it as the translated
 * path does (anthropic-passthrough-encoder.ts).
 */
export const mayHoldMistypedAnthropicText = new RegExp(`${/"(?:text|thinking|partial_json)"\s*:\s*(?!")/.source}|${escapedKeyPattern}`);

/**
 * What names a delta of a kind that holds text (`text_delta`, `thinking_delta`,
 * `input_json_delta`), which may lack it: `{"type":"text_delta"}` has no key for the
 * test above to find, and an SDK appended `undefined` to the block ("Hiundefined"),
 * where the translated path writes nothing. The lazy tap leaves such a delta unread
 * only in Anthropic's exact shape (which holds the text); the fast path's encoder
 * parses a read event that matches to see. (A block's start is always parsed there:
 * passthrough-stream-blocks.ts.)
 */
export const mayLackAnthropicText = /"(?:text|thinking|input_json)_delta"/;

/**
 * What may hold a `delta` that is not an object (`"delta":null`, `5`): the SDKs read
 * its `type` and threw, where the translated path writes nothing for it. A key, as
 * above; a delta of a kind that holds no text (signature, citations) is read when
 * this matches, and the fast path's encoder does not write it.
 */
export const mayHoldNonObjectDelta = /"delta"\s*:\s*(?![\s{])/;

/** The field that holds a block's text, by the block's (or the delta's) type. */
const textFieldOf: Readonly<Record<string, string>> = {
  text: 'text',
  thinking: 'thinking',
  text_delta: 'text',
  thinking_delta: 'thinking',
  input_json_delta: 'partial_json',
};

/** Whether a content block or a delta of a type that holds text holds something else there (or none). */
export function hasMistypedText(block: unknown): boolean {
  if (typeof block !== 'object' || block === null || Array.isArray(block)) return true;
  const type = (block as Json)['type'];
  const field = typeof type === 'string' && Object.hasOwn(textFieldOf, type) ? textFieldOf[type]! : undefined;
  return field !== undefined && typeof (block as Json)[field] !== 'string';
}

/**
 * A whole message's `content` without the blocks the translated path drops: one that
 * is not an object (`null`, 5), a text or thinking block whose text is not text
 * (12345, `{}`). Undefined when there is none, so the list goes out as it came.
 */
export function withoutMistypedBlocks(content: unknown): unknown[] | undefined {
  if (!Array.isArray(content) || !content.some(hasMistypedText)) return undefined;
  return content.filter((block) => !hasMistypedText(block));
}
