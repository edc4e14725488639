import {
  GatewayError,
  fromOpenAIFinishReason,
  fromOpenAIUsage,
  type AssistantContentPart,
  type ChatResponse,
  type OpenAIChatCompletion,
} from '@switchyard/core';

/** OpenAI `chat.completion` → canonical response. */
export function parseChatCompletion(body: unknown, provider: string): ChatResponse {
  const completion = body as OpenAIChatCompletion;
  const choice = completion?.choices?.[0];
  if (!choice || typeof choice.message !== 'object') {
    throw new GatewayError('upstream_invalid_response', `The ${provider} upstream answered without a choice.`, { provider });
  }
  const content: AssistantContentPart[] = [];
  const message = choice.message;
  if (message.reasoning_content) content.push({ type: 'reasoning', text: message.reasoning_content });
  if (message.content) content.push({ type: 'text', text: message.content });
  if (message.refusal) content.push({ type: 'refusal', text: message.refusal });
  for (const call of message.tool_calls ?? []) {
    content.push({ type: 'tool-call', id: call.id, name: call.function.name, arguments: call.function.arguments });
  }
  const response: ChatResponse = {
    id: completion.id,
    model: completion.model,
    created: completion.created,
    content,
    finishReason: fromOpenAIFinishReason(choice.finish_reason ?? 'stop'),
    usage: completion.usage ? fromOpenAIUsage(completion.usage) : { inputTokens: 0, outputTokens: 0 },
  };
  if (completion.system_fingerprint) response.providerMetadata = { openai: { system_fingerprint: completion.system_fingerprint } };
  return response;
}
