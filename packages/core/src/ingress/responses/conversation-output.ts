import type { ResponsesFunctionCallItem, ResponsesInputItem, ResponsesMessageItem } from './responses-wire-types.js';
import { isJsonObject } from '../../transport/upstream-wire-values.js';

type Json = Record<string, unknown>;


/**
 * A Response's `output` as the gateway keeps it for the next turn (`previous_response_id`),
 * which reads it back as input: only text where text belongs. On the pass-through the
 * output is the upstream's own, read by nothing else; a text of 5 made the next turn's
 * prompt estimate NaN (a usage record the ledger refused), and a content of 5, an item of
 * null or a call named null made it a 500. A message keeps its parts that are text (and
 * is left out when none is); a function call needs a `call_id` and a `name` that are
 * text, and arguments sent as an object are read as their JSON text; any other item
 * with a type (reasoning, OpenAI's built-in tools) is kept as it came.
 */
export function conversationOutput(output: unknown): ResponsesInputItem[] {
  const items: ResponsesInputItem[] = [];
  for (const item of Array.isArray(output) ? output : []) {
    if (!isJsonObject(item) || typeof item['type'] !== 'string') continue;
    if (item['type'] === 'message') {
      const content = Array.isArray(item['content']) ? item['content'].filter(isTextPart) : [];
      if (content.length > 0) items.push({ ...item, role: 'assistant', content } as ResponsesMessageItem);
    } else if (item['type'] === 'function_call') {
      if (typeof item['call_id'] !== 'string' || typeof item['name'] !== 'string') continue;
      const args = item['arguments'];
      items.push({ ...item, arguments: typeof args === 'string' ? args : isJsonObject(args) ? JSON.stringify(args) : '' } as ResponsesFunctionCallItem);
    } else {
      items.push(item as unknown as ResponsesInputItem);
    }
  }
  return items;
}

function isTextPart(part: unknown): boolean {
  return isJsonObject(part) && ((part['type'] === 'output_text' && typeof part['text'] === 'string') || (part['type'] === 'refusal' && typeof part['refusal'] === 'string'));
}
