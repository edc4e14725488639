import { isJsonObject, nonEmptyText, objectInputText } from '../../transport/upstream-wire-values.js';
import { parseToolInput } from './parse-tool-input.js';

type Json = Record<string, unknown>;

/**
 * A whole message's `tool_use` block as the translated path writes it (the anthropic
 * provider's parseAnthropicMessage, then formatAnthropicMessage): left out without a
 * name that is text (a call without a name cannot be made); the id text (`''` when it is
 * not); the input an object (JSON text of one read as that object, anything else `{}`).
 * The block itself when nothing changes; undefined when it is left out.
 */
function typedToolUse(block: Json): Json | undefined {
  if (nonEmptyText(block['name']) === undefined) return undefined;
  if (typeof block['id'] === 'string' && isJsonObject(block['input'])) return block;
  return {
    ...block,
    id: typeof block['id'] === 'string' ? block['id'] : '',
    input: isJsonObject(block['input']) ? block['input'] : parseToolInput(objectInputText(block['input'])),
  };
}

/**
 * A whole message's `content` with its `tool_use` blocks typed (typedToolUse): a name of
 * `5` or none, an id of `{}`, input as text, a number, a list or `null` reached an
 * Anthropic client on the fast path as they came, where the SDK's types promise a string
 * and an object. Undefined when nothing changes, so the list goes out as it came.
 */
export function withToolUsesTyped(content: unknown): unknown[] | undefined {
  if (!Array.isArray(content)) return undefined;
  let written: unknown[] | undefined;
  for (let at = 0; at < content.length; at++) {
    const block = content[at];
    const typed = isJsonObject(block) && block['type'] === 'tool_use' ? typedToolUse(block) : block;
    if (typed === block && written === undefined) continue;
    written ??= content.slice(0, at);
    if (typed !== undefined) written.push(typed);
  }
  return written;
}
