import type { OpenAIUsage } from './openai-usage.js';
import type { PlannedReply, PlannedToolCall } from './plan-chat-reply.js';
import { mockServiceTier, mockSystemFingerprint, type CompletionIdentity } from './completion-identity.js';

/** How the stream was asked for. */
export interface StreamShape {
  includeUsage: boolean;
  includeObfuscation: boolean;
}

const obfuscationAlphabet = 'aB3cD4eF5gH6iJ7kL8mN9pQ0rS1tU2vWxYz';

/**
 * The Server-Sent Events of a streamed reply, each a complete `data: …\n\n`, shaped
 * like the fixtures `stream.txt` / `stream-text-only.txt`: a role chunk, word-sized
 * text deltas, tool-call deltas (id and name first, then argument fragments), a
 * finish chunk, the usage chunk when `include_usage` is set, then `[DONE]`.
 */
export function buildChatStreamEvents(identity: CompletionIdentity, reply: PlannedReply, shape: StreamShape): string[] {
  const deltas: Array<Record<string, unknown>> = [{ role: 'assistant', content: '', refusal: null }];
  for (const word of splitWords(reply.content ?? '')) deltas.push({ content: word });
  reply.toolCalls.forEach((call, index) => deltas.push(...toolCallDeltas(call, index)));

  const chunks = deltas.map((delta) => chunk(identity, shape, [choice(delta, null)]));
  chunks.push(chunk(identity, shape, [choice({}, reply.finishReason)]));
  if (shape.includeUsage) chunks.push(chunk(identity, shape, [], reply.usage));

  const events = chunks.map((body, index) => {
    if (shape.includeObfuscation) body['obfuscation'] = obfuscation(index);
    return `data: ${JSON.stringify(body)}\n\n`;
  });
  events.push('data: [DONE]\n\n');
  return events;
}

function chunk(
  identity: CompletionIdentity,
  shape: StreamShape,
  choices: unknown[],
  usage: OpenAIUsage | null = null,
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    id: identity.id,
    object: 'chat.completion.chunk',
    created: identity.created,
    model: identity.model,
    service_tier: mockServiceTier,
    system_fingerprint: mockSystemFingerprint,
    choices,
  };
  // OpenAI sends `usage` (null until the last chunk) only when include_usage was asked for.
  if (shape.includeUsage) body['usage'] = usage;
  return body;
}

function choice(delta: Record<string, unknown>, finishReason: string | null): Record<string, unknown> {
  return { index: 0, delta, logprobs: null, finish_reason: finishReason };
}

function toolCallDeltas(call: PlannedToolCall, index: number): Array<Record<string, unknown>> {
  const first = { index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } };
  const fragments = call.arguments.match(/[A-Za-z0-9_]+|[^A-Za-z0-9_]+/g) ?? [];
  return [first, ...fragments.map((fragment) => ({ index, function: { arguments: fragment } }))].map((toolCall) => ({
    tool_calls: [toolCall],
  }));
}

// Word-sized pieces with the leading space attached, as OpenAI's tokens arrive (" check", " the").
function splitWords(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

// Deterministic stand-in for OpenAI's random padding, varying in length like the real one.
function obfuscation(index: number): string {
  const length = 1 + ((index * 5) % 8);
  const start = (index * 7) % obfuscationAlphabet.length;
  return (obfuscationAlphabet + obfuscationAlphabet).slice(start, start + length);
}
