import {
  GatewayError,
  nonEmptyText,
  fromOpenAIFinishReason,
  type AssistantContentPart,
  type UpstreamChatResponse,
  type OpenAIChatCompletion,
  isJsonObject,
  openAIToolCallArguments,
} from '@switchyard/core';
import { mapOpenAIErrorBody } from './map-openai-error.js';
import { inStreamErrorStatus } from './in-stream-error-status.js';
import { readOpenAIUsage } from './read-openai-usage.js';
import { readCreated } from './read-created.js';

type Json = Record<string, unknown>;

/**
 * A call's `{ name, arguments }`: its `function`, or a custom tool's (`{ type: 'custom',
 * custom: { name, input } }`), which only a request holding custom tools gets, and only on
 * the fast path: there this answer is read for its usage and estimate alone (the client
 * gets the upstream's call as written), so an answer without usage bills the input.
 */
function answerCallFields(call: Json): Json | undefined {
  if (isJsonObject(call['function'])) return call['function'];
  if (call['type'] !== 'custom' || !isJsonObject(call['custom'])) return undefined;
  return { name: call['custom']['name'], arguments: call['custom']['input'] };
}


/**
 * OpenAI `chat.completion` → canonical response. An answer whose shape cannot be
 * read (no choice, a message that is not an object, tool calls that are not a list)
 * is the upstream's failure, `upstream_invalid_response`, never a 500 of the
 * gateway's own; an answer carrying a top-level `error` beside its choices is that
 * error (the fast path would otherwise hand the error's words, unredacted, to the client),
 * with the status its `code` or `type` names, as inside a stream (a rate limit said at
 * 200 was a 502 upstream_server_error).
 */
export function parseChatCompletion(body: unknown, provider: string): UpstreamChatResponse {
  const completion = body as OpenAIChatCompletion;
  if (isJsonObject(body) && body['error'] !== undefined && body['error'] !== null) throw mapOpenAIErrorBody(provider, inStreamErrorStatus(body), body as { error: unknown });
  const choice = completion?.choices?.[0];
  if (!choice || !isJsonObject(choice.message) || (choice.message.tool_calls != null && !Array.isArray(choice.message.tool_calls))) {
    throw new GatewayError('upstream_invalid_response', `The ${provider} upstream answered without a choice.`, { provider });
  }
  const content: AssistantContentPart[] = [];
  const message = choice.message;
  // Only text where text belongs: a content of 12345 or {} was written to the client as
  // "12345" or "[object Object]" and counted as no characters at all.
  const reasoning = nonEmptyText(message.reasoning_content);
  if (reasoning) content.push({ type: 'reasoning', text: reasoning });
  const text = nonEmptyText(message.content);
  if (text) content.push({ type: 'text', text });
  const refusal = nonEmptyText(message.refusal);
  if (refusal) content.push({ type: 'refusal', text: refusal });
  for (const call of message.tool_calls ?? []) {
    const fn = isJsonObject(call) ? answerCallFields(call) : undefined;
    if (!fn || typeof fn['name'] !== 'string') continue;
    const id = typeof call.id === 'string' ? call.id : '';
    content.push({ type: 'tool-call', id, name: fn['name'], arguments: openAIToolCallArguments(fn['arguments']) });
  }
  const response: UpstreamChatResponse = {
    id: typeof completion.id === 'string' ? completion.id : '',
    model: typeof completion.model === 'string' ? completion.model : '',
    created: readCreated(completion.created),
    content,
    finishReason: fromOpenAIFinishReason(typeof choice.finish_reason === 'string' && choice.finish_reason ? choice.finish_reason : 'stop'),
    // Undefined when missing or unreadable: the gateway bills its estimate, never 0.
    usage: readOpenAIUsage(completion.usage),
  };
  if (completion.system_fingerprint) response.providerMetadata = { openai: { system_fingerprint: completion.system_fingerprint } };
  return response;
}
