import type { PlannedCohereReply } from './plan-cohere-reply.js';

/** The whole `POST /v2/chat` answer, shaped like `response.json` / `response-tool-call.json`. */
export function buildCohereChatResponse(id: string, reply: PlannedCohereReply): Record<string, unknown> {
  const message: Record<string, unknown> = { role: 'assistant' };
  if (reply.text !== null) message['content'] = [{ type: 'text', text: reply.text }];
  if (reply.toolPlan !== null) message['tool_plan'] = reply.toolPlan;
  if (reply.toolCalls.length > 0) {
    message['tool_calls'] = reply.toolCalls.map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: call.name, arguments: call.arguments },
    }));
  }
  return { id, message, finish_reason: reply.finishReason, usage: reply.usage };
}
