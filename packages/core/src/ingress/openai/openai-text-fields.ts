import { escapedKeyPattern } from '../../transport/json-text-patterns.js';
import { retypeChoices } from './retype-choices.js';

/** The fields of an OpenAI message or delta that hold text (or null), and nothing else. */
const textFields = ['content', 'reasoning_content', 'reasoning', 'refusal'] as const;

/**
 * What may hold a text field of the wrong type (`"content":12345`, `{}`, `[…]`, `true`),
 * found in an event's raw text: one of those keys followed by anything but a string or
 * `null`, or any key spelled with a `\u` escape (from the escape to the key's closing
 * quote and its colon: a key that decodes to one of them holds no quote). A JSON
 * string's quotes are escaped, so a bare-quoted `"content":` is a key. A false alarm
 * (the key in a `logprobs` object, which holds a list) only costs a parse. Used by a
 * lazy tap to read such an event (the openai provider's isContentOnlyChunk) and by the
 * fast path's encoder to write it again (openai-passthrough-encoder.ts).
 */
export const mayHoldMistypedOpenAIText = new RegExp(`${/"(?:content|reasoning_content|reasoning|refusal)"\s*:\s*(?!"|null\b)/.source}|${escapedKeyPattern}`);

/**
 * The fast path's `choices` (of a stream chunk, `key` `delta`, or a whole answer,
 * `message`) with every text field that is neither text nor `null` written `null`, as
 * the translated path drops it: an official client's types say string, and application
 * code handed a number or an object there misreads it. Undefined when there is none, so
 * the upstream's bytes can go out as they came.
 */
export function withOpenAITextFieldsTyped(choices: readonly unknown[], key: 'delta' | 'message'): unknown[] | undefined {
  return retypeChoices(choices, key, (holder) => {
    if (textFields.every((field) => isTextOrAbsent(holder[field]))) return undefined;
    const typed: Record<string, unknown> = { ...holder };
    for (const field of textFields) if (!isTextOrAbsent(typed[field])) typed[field] = null;
    return typed;
  });
}

function isTextOrAbsent(value: unknown): boolean {
  return value === undefined || value === null || typeof value === 'string';
}
