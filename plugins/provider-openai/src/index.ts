import { defineProvider } from '@switchyard/core';
import { createOpenAIAdapters } from './create-openai-adapters.js';
import { openAIOptionsSchema, type OpenAIOptions } from './openai-options.js';

/** The OpenAI provider: `providers: { openai: { api_key: ${OPENAI_API_KEY} } }`. */
const openai = defineProvider<OpenAIOptions>({
  name: 'openai',
  optionsSchema: openAIOptionsSchema,
  create: (options) => createOpenAIAdapters(options),
});

export default openai;
export { openai, createOpenAIAdapters, openAIOptionsSchema, type OpenAIOptions };
export { buildChatBody } from './build-chat-body.js';
export { parseChatCompletion } from './parse-chat-completion.js';
export { createOpenAIStreamDecoder } from './openai-stream-decoder.js';
export { mapOpenAIError, retryAfterSeconds } from './map-openai-error.js';
