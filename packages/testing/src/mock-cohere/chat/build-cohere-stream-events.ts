import type { PlannedCohereReply } from './plan-cohere-reply.js';

/**
 * The Server-Sent Events of a streamed reply, each a complete `event: …\ndata: …\n\n`,
 * shaped like `stream.txt` / `stream-text-only.txt`: `message-start`, `tool-plan-delta`s,
 * a `content-start`/`content-delta`…/`content-end` block for text, per tool call
 * `tool-call-start` (empty arguments), `tool-call-delta`s and `tool-call-end`, then
 * `message-end` with the finish reason and usage, then `data: [DONE]`.
 */
export function buildCohereStreamEvents(id: string, reply: PlannedCohereReply): string[] {
  const events = [
    event('message-start', {
      id,
      type: 'message-start',
      delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } },
    }),
  ];
  if (reply.toolPlan !== null) {
    for (const piece of splitWords(reply.toolPlan)) {
      events.push(event('tool-plan-delta', { type: 'tool-plan-delta', delta: { message: { tool_plan: piece } } }));
    }
  }
  if (reply.text !== null) {
    events.push(event('content-start', { type: 'content-start', index: 0, delta: { message: { content: { type: 'text', text: '' } } } }));
    for (const piece of splitWords(reply.text)) {
      events.push(event('content-delta', { type: 'content-delta', index: 0, delta: { message: { content: { text: piece } } } }));
    }
    events.push(event('content-end', { type: 'content-end', index: 0 }));
  }
  reply.toolCalls.forEach((call, index) => {
    events.push(
      event('tool-call-start', {
        type: 'tool-call-start',
        index,
        delta: { message: { tool_calls: { id: call.id, type: 'function', function: { name: call.name, arguments: '' } } } },
      }),
    );
    for (const fragment of call.arguments.match(/.{1,12}/gs) ?? []) {
      events.push(event('tool-call-delta', { type: 'tool-call-delta', index, delta: { message: { tool_calls: { function: { arguments: fragment } } } } }));
    }
    events.push(event('tool-call-end', { type: 'tool-call-end', index }));
  });
  events.push(event('message-end', { type: 'message-end', delta: { finish_reason: reply.finishReason, usage: reply.usage } }), 'data: [DONE]\n\n');
  return events;
}

function event(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

// Word-sized pieces with the leading space attached, as tokens arrive (" current", " weather").
function splitWords(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}
