import type { PlannedReply } from '../chat/plan-chat-reply.js';
import { buildResponseObject, type ResponsesIdentity, type ResponsesOutputItem } from './build-responses-reply.js';
import type { ResponsesRequestView } from './read-responses-request.js';

/**
 * The event sequence OpenAI streams for a Response: `response.created`,
 * `response.in_progress`, per item `output_item.added` … `output_item.done` (with
 * `content_part.*` and `output_text.delta`/`done` for a message,
 * `function_call_arguments.delta`/`done` for a call), then `response.completed`
 * (or `response.incomplete`). Each is a named SSE event with a `sequence_number`
 * counting from 0; there is no `[DONE]`.
 */
export function buildResponsesStreamEvents(
  request: ResponsesRequestView,
  identity: ResponsesIdentity,
  reply: PlannedReply,
  output: ResponsesOutputItem[],
  status: 'completed' | 'incomplete',
): string[] {
  const events: string[] = [];
  const emit = (type: string, fields: Record<string, unknown>): void => {
    events.push(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: events.length, ...fields })}\n\n`);
  };
  const start = buildResponseObject(request, identity, reply, [], 'in_progress');
  emit('response.created', { response: start });
  emit('response.in_progress', { response: start });
  output.forEach((item, outputIndex) => {
    if (item.type === 'message') {
      const text = ((item['content'] as Array<{ text: string }>)[0]?.text) ?? '';
      emit('response.output_item.added', { output_index: outputIndex, item: { ...item, status: 'in_progress', content: [] } });
      const part = { type: 'output_text', text: '', annotations: [], logprobs: [] };
      emit('response.content_part.added', { item_id: item.id, output_index: outputIndex, content_index: 0, part });
      for (const delta of pieces(text)) {
        emit('response.output_text.delta', { item_id: item.id, output_index: outputIndex, content_index: 0, delta, logprobs: [] });
      }
      emit('response.output_text.done', { item_id: item.id, output_index: outputIndex, content_index: 0, text, logprobs: [] });
      emit('response.content_part.done', { item_id: item.id, output_index: outputIndex, content_index: 0, part: { ...part, text } });
    } else if (item.type === 'function_call') {
      const args = String(item['arguments']);
      emit('response.output_item.added', { output_index: outputIndex, item: { ...item, status: 'in_progress', arguments: '' } });
      for (const delta of pieces(args)) emit('response.function_call_arguments.delta', { item_id: item.id, output_index: outputIndex, delta });
      emit('response.function_call_arguments.done', { item_id: item.id, output_index: outputIndex, name: item['name'], arguments: args });
    } else {
      emit('response.output_item.added', { output_index: outputIndex, item: { ...item, summary: [] } });
    }
    emit('response.output_item.done', { output_index: outputIndex, item });
  });
  emit(status === 'completed' ? 'response.completed' : 'response.incomplete', { response: buildResponseObject(request, identity, reply, output, status) });
  return events;
}

/** Text in deltas of a few words, so a stream has several. */
function pieces(text: string): string[] {
  const words = text.match(/\s*\S+|\s+$/g) ?? [];
  return words.length > 0 ? words : [];
}

/** OpenAI's in-stream failure: an `error` event, after which the stream ends. */
export function responsesStreamErrorWire(sequenceNumber: number, message = 'The server had an error while processing your request. Sorry about that!'): string {
  return `event: error\ndata: ${JSON.stringify({ type: 'error', sequence_number: sequenceNumber, code: 'server_error', message, param: null })}\n\n`;
}
