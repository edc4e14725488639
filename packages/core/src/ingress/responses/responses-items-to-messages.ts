import type { AssistantContentPart, AssistantMessage, ChatMessage, ImagePart, UserContentPart } from '../../canonical/chat-request.js';
import type { GatewayError } from '../../errors/gateway-error.js';
import { invalidRequest } from '../check-ingress-body.js';

/**
 * Items of OpenAI's built-in tools (ResponseInputItem in openai-node): only OpenAI
 * can read them back. Carried by the pass-through; a translated attempt is refused.
 */
const openAIOnlyItemTypes = new Set([
  'web_search_call', 'file_search_call', 'computer_call', 'computer_call_output', 'image_generation_call',
  'code_interpreter_call', 'local_shell_call', 'local_shell_call_output', 'shell_call', 'shell_call_output',
  'apply_patch_call', 'apply_patch_call_output', 'mcp_list_tools', 'mcp_approval_request', 'mcp_approval_response',
  'mcp_call', 'custom_tool_call', 'custom_tool_call_output',
]);
import type { ResponsesInputContentPart, ResponsesInputItem, ResponsesMessageItem } from './responses-wire-types.js';

/**
 * Responses items (a client's `input`, or a stored conversation) as canonical
 * messages. Consecutive assistant output (a message, then its function calls) is
 * one canonical assistant turn, as Chat-style providers need it. Reasoning items
 * are dropped: their text is the provider's own and no other provider takes it back.
 *
 * @param pointer JSON Pointer of the items in the body, for the errors' `param`.
 * @throws {GatewayError} `invalid_request` naming the item an unknown type or an untranslatable part is in.
 */
export function responsesItemsToMessages(
  items: readonly ResponsesInputItem[],
  pointer: string,
  onOpenAIOnly?: (refusal: GatewayError) => void,
): ChatMessage[] {
  const messages: ChatMessage[] = [];
  const assistantTurn = (): AssistantMessage => {
    const last = messages.at(-1);
    if (last?.role === 'assistant') return last;
    const turn: AssistantMessage = { role: 'assistant', content: [] };
    messages.push(turn);
    return turn;
  };
  items.forEach((item, index) => {
    const at = `${pointer}/${index}`;
    const type = item.type ?? 'message';
    switch (type) {
      case 'message':
        pushMessage(item as ResponsesMessageItem, at, messages, assistantTurn, onOpenAIOnly);
        return;
      case 'function_call': {
        const call = item as Extract<ResponsesInputItem, { type: 'function_call' }>;
        assistantTurn().content.push({ type: 'tool-call', id: call.call_id, name: call.name, arguments: call.arguments });
        return;
      }
      case 'function_call_output': {
        const output = item as Extract<ResponsesInputItem, { type: 'function_call_output' }>;
        messages.push({ role: 'tool', toolCallId: output.call_id, content: functionOutputText(output.output, `${at}/output`) });
        return;
      }
      case 'reasoning':
        return;
      default:
        if (onOpenAIOnly && openAIOnlyItemTypes.has(type)) {
          onOpenAIOnly(invalidRequest(`${at}/type`, `the item type '${type}' belongs to an OpenAI built-in tool and cannot be translated to other providers`));
          return;
        }
        throw invalidRequest(`${at}/type`, `the item type '${String(type).slice(0, 64)}' is not supported by this gateway (only message, function_call, function_call_output and reasoning items are)`);
    }
  });
  return messages;
}

/**
 * The items of OpenAI's built-in and custom tools (calls, their results and outputs):
 * left out of the canonical messages, sent only by the pass-through, read by OpenAI
 * as prompt.
 */
export function openAIOnlyItems(items: readonly ResponsesInputItem[]): ResponsesInputItem[] {
  return items.filter((item) => typeof item.type === 'string' && openAIOnlyItemTypes.has(item.type));
}

/**
 * The `input_file` parts (a PDF as `file_data`, a `file_id`, a `file_url`) of the message items: read by
 * OpenAI alone, sent only by the pass-through, billed by OpenAI as prompt.
 */
export function openAIOnlyParts(items: readonly ResponsesInputItem[]): ResponsesInputContentPart[] {
  const found: ResponsesInputContentPart[] = [];
  for (const item of items) {
    if ((item.type ?? 'message') !== 'message') continue;
    const content = (item as ResponsesMessageItem).content;
    if (Array.isArray(content)) for (const part of content) if (part.type === 'input_file') found.push(part);
  }
  return found;
}

function pushMessage(
  item: ResponsesMessageItem,
  at: string,
  messages: ChatMessage[],
  assistantTurn: () => AssistantMessage,
  onOpenAIOnly: ((refusal: GatewayError) => void) | undefined,
): void {
  const parts: ResponsesInputContentPart[] = typeof item.content === 'string' ? [{ type: 'input_text', text: item.content }] : item.content;
  if (item.role === 'system' || item.role === 'developer') {
    const text = parts.map((part, partIndex) => {
      if (part.type === 'input_text' || part.type === 'output_text') return part.text;
      throw invalidRequest(`${at}/content/${partIndex}/type`, `a ${item.role} message takes text only`);
    }).join('\n\n');
    messages.push({ role: 'system', content: text, ...(item.role === 'developer' && { developer: true }) });
    return;
  }
  if (item.role === 'assistant') {
    const content: AssistantContentPart[] = parts.map((part, partIndex) => {
      if (part.type === 'output_text' || part.type === 'input_text') return { type: 'text', text: part.text };
      if (part.type === 'refusal') return { type: 'refusal', text: part.refusal };
      throw invalidRequest(`${at}/content/${partIndex}/type`, `an assistant message cannot contain '${String(part.type).slice(0, 64)}'`);
    });
    assistantTurn().content.push(...content);
    return;
  }
  const content: UserContentPart[] = [];
  parts.forEach((part, partIndex) => {
    const partAt = `${at}/content/${partIndex}`;
    if (part.type === 'input_text' || part.type === 'output_text') content.push({ type: 'text', text: part.text });
    else if (part.type === 'input_image') content.push(toImagePart(part, partAt));
    // A file (a PDF): the pass-through sends it to OpenAI as written; a translated attempt is refused.
    else if (part.type === 'input_file' && onOpenAIOnly) onOpenAIOnly(invalidRequest(`${partAt}/type`, "'input_file' content is read by OpenAI alone and cannot be translated to other providers"));
    else throw invalidRequest(`${partAt}/type`, `the content type '${String(part.type).slice(0, 64)}' is not supported by this gateway (input_text, input_image and, to OpenAI, input_file are)`);
  });
  messages.push({ role: 'user', content });
}

const dataUrl = /^data:([\w.+-]{1,64}\/[\w.+-]{1,64});base64,(.+)$/s;

function toImagePart(part: Extract<ResponsesInputContentPart, { type: 'input_image' }>, at: string): ImagePart {
  const url = part.image_url;
  if (!url) {
    // A file id names a file uploaded to OpenAI's Files API, which the gateway does not keep.
    throw invalidRequest(`${at}/image_url`, 'an input_image needs an image_url (a data: URL or an https URL); file_id is not supported');
  }
  const detail = part.detail !== undefined && part.detail !== 'auto' ? { detail: part.detail } : {};
  const data = dataUrl.exec(url);
  if (data) return { type: 'image', source: { kind: 'base64', mediaType: data[1]!, data: data[2]! }, ...detail };
  if (/^https?:\/\//.test(url)) return { type: 'image', source: { kind: 'url', url }, ...detail };
  throw invalidRequest(`${at}/image_url`, 'expected a base64 data: URL or an http(s) URL');
}

function functionOutputText(output: Extract<ResponsesInputItem, { type: 'function_call_output' }>['output'], at: string): string {
  if (typeof output === 'string') return output;
  return output
    .map((part, index) => {
      if (part.type === 'input_text') return (part as { text: string }).text;
      throw invalidRequest(`${at}/${index}/type`, 'only input_text can be translated in a function_call_output');
    })
    .join('\n');
}
