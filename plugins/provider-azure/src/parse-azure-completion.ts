import type { UpstreamChatResponse } from '@switchyard/core';
import { parseChatCompletion } from '@switchyard/provider-openai';

interface AzureChoice {
  finish_reason?: unknown;
  message?: unknown;
  content_filter_results?: unknown;
}

/**
 * Azure `chat.completion` → canonical response: OpenAI's parser, plus Azure's
 * content-filter verdicts kept as `providerMetadata.azure`. A choice stopped by
 * the output filter may come without a `message`; it is read as an empty answer
 * with finish reason `content-filter` rather than as a broken response.
 */
export function parseAzureCompletion(body: unknown, provider: string): UpstreamChatResponse {
  const completion = body as { choices?: AzureChoice[]; prompt_filter_results?: unknown } | undefined;
  const choice = completion?.choices?.[0];
  let readable = body;
  if (choice && typeof choice.message !== 'object' && choice.finish_reason === 'content_filter') {
    readable = { ...completion, choices: [{ ...choice, message: { role: 'assistant', content: null } }] };
  }
  const response = parseChatCompletion(readable, provider);
  const azure: Record<string, unknown> = {};
  if (completion?.prompt_filter_results !== undefined) azure['prompt_filter_results'] = completion.prompt_filter_results;
  if (choice?.content_filter_results !== undefined) azure['content_filter_results'] = choice.content_filter_results;
  if (Object.keys(azure).length > 0) response.providerMetadata = { ...response.providerMetadata, azure };
  return response;
}
