import type { ChatResponse } from '../../canonical/chat-response.js';
import { defaultResponsesEcho, type ResponsesEcho } from './parse-responses-request.js';
import { responsesItemId } from './responses-item-id.js';
import { toResponsesStatus } from './responses-status.js';
import { toResponsesUsage } from './responses-usage.js';
import type { ResponsesOutputItem, ResponsesOutputMessage, ResponsesResponse } from './responses-wire-types.js';

/** What a Response object is written for besides the canonical answer. */
export interface ResponsesFormatOptions {
  /** The response's `resp_…` id; a fresh one when left out. */
  id?: string;
  echo?: ResponsesEcho;
}

/**
 * Writes a canonical response as a Responses API `Response`: reasoning first, then
 * one assistant message holding the text (and refusals) in order, then one
 * `function_call` item per tool call. `model` is the `provider/model` that answered.
 */
export function formatResponsesResponse(response: ChatResponse, model: string, options: ResponsesFormatOptions = {}): ResponsesResponse {
  const id = options.id ?? responsesItemId('resp');
  const status = toResponsesStatus(response.finishReason);
  const itemStatus = status.status === 'completed' ? 'completed' : 'incomplete';
  const output: ResponsesOutputItem[] = [];
  let message: ResponsesOutputMessage | undefined;
  let reasoning = '';
  for (const part of response.content) {
    if (part.type === 'reasoning') reasoning += part.text;
    else if (part.type === 'text' || part.type === 'refusal') {
      if (!message) {
        message = { type: 'message', id: `msg_${id.slice(5)}`, role: 'assistant', status: itemStatus, content: [] };
        output.push(message);
      }
      const last = message.content.at(-1);
      if (part.type === 'text') {
        if (last?.type === 'output_text') last.text += part.text;
        else message.content.push({ type: 'output_text', text: part.text, annotations: [] });
      } else if (last?.type === 'refusal') last.refusal += part.text;
      else message.content.push({ type: 'refusal', refusal: part.text });
    } else {
      output.push({ type: 'function_call', id: `fc_${id.slice(5)}_${output.length}`, call_id: part.id, name: part.name, arguments: part.arguments, status: 'completed' });
    }
  }
  if (reasoning !== '') {
    output.unshift({ type: 'reasoning', id: `rs_${id.slice(5)}`, summary: [], content: [{ type: 'reasoning_text', text: reasoning }] });
  }
  return {
    id,
    object: 'response',
    created_at: response.created,
    ...status,
    error: null,
    model,
    output,
    usage: toResponsesUsage(response.usage),
    ...(options.echo ?? defaultResponsesEcho),
  };
}
