import type { PlannedReply } from './plan-chat-reply.js';
import { mockServiceTier, mockSystemFingerprint, type CompletionIdentity } from './completion-identity.js';

/** A non-streamed `chat.completion`, with the fields of the fixtures `response.json` and `response-tool-call.json`, in their order. */
export function buildChatCompletion(identity: CompletionIdentity, reply: PlannedReply): Record<string, unknown> {
  const message: Record<string, unknown> = { role: 'assistant', content: reply.content };
  if (reply.toolCalls.length > 0) {
    message['tool_calls'] = reply.toolCalls.map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: call.name, arguments: call.arguments },
    }));
  }
  message['refusal'] = null;
  message['annotations'] = [];
  return {
    id: identity.id,
    object: 'chat.completion',
    created: identity.created,
    model: identity.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: reply.finishReason }],
    usage: reply.usage,
    service_tier: mockServiceTier,
    system_fingerprint: mockSystemFingerprint,
  };
}
