import type { CompletionIdentity } from '../mock-openai/chat/completion-identity.js';
import type { PlannedReply } from '../mock-openai/chat/plan-chat-reply.js';

/**
 * Mistral's `usage`: the three counts; cached and reasoning details only when a
 * script sets them (Mistral's reporting of those is unconfirmed).
 */
export function mistralUsage(reply: PlannedReply): Record<string, unknown> {
  const { prompt_tokens, completion_tokens, total_tokens, prompt_tokens_details, completion_tokens_details } = reply.usage;
  const usage: Record<string, unknown> = { prompt_tokens, completion_tokens, total_tokens };
  if (prompt_tokens_details.cached_tokens > 0) usage['prompt_tokens_details'] = { cached_tokens: prompt_tokens_details.cached_tokens };
  if (completion_tokens_details.reasoning_tokens > 0) {
    usage['completion_tokens_details'] = { reasoning_tokens: completion_tokens_details.reasoning_tokens };
  }
  return usage;
}

/** A non-streamed completion shaped like the fixtures `response.json` / `response-tool-call.json`. */
export function buildMistralCompletion(identity: CompletionIdentity, reply: PlannedReply): Record<string, unknown> {
  const toolCalls = reply.toolCalls.length > 0
    ? reply.toolCalls.map((call, index) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments }, index }))
    : null;
  return {
    id: identity.id,
    object: 'chat.completion',
    created: identity.created,
    model: identity.model,
    choices: [{ index: 0, message: { role: 'assistant', content: reply.content ?? '', tool_calls: toolCalls, prefix: false }, finish_reason: reply.finishReason }],
    usage: mistralUsage(reply),
  };
}

/**
 * The events of a streamed reply, shaped like `stream.txt`: a role chunk with empty
 * content, word-sized text deltas, every tool call whole in one delta (no `type`),
 * then the finishing chunk with `delta: {content: ""}` and the usage, then `[DONE]`.
 * No `stream_options` needed: Mistral always sends the usage.
 */
export function buildMistralStreamEvents(identity: CompletionIdentity, reply: PlannedReply): string[] {
  const chunk = (delta: Record<string, unknown>, finishReason: string | null, usage?: Record<string, unknown>) => ({
    id: identity.id,
    object: 'chat.completion.chunk',
    created: identity.created,
    model: identity.model,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
    ...(usage && { usage }),
  });
  const chunks = [chunk({ role: 'assistant', content: '' }, null)];
  for (const word of (reply.content ?? '').match(/\s*\S+|\s+$/g) ?? []) chunks.push(chunk({ content: word }, null));
  if (reply.toolCalls.length > 0) {
    chunks.push(chunk({ tool_calls: reply.toolCalls.map((call, index) => ({ id: call.id, function: { name: call.name, arguments: call.arguments }, index })) }, null));
  }
  chunks.push(chunk({ content: '' }, reply.finishReason, mistralUsage(reply)));
  return [...chunks.map((body) => `data: ${JSON.stringify(body)}\n\n`), 'data: [DONE]\n\n'];
}
