import type { IngressDialect } from '../ingress-dialect.js';
import { ChatChunkEncoder } from './chat-chunk-encoder.js';
import { formatChatCompletion } from './format-chat-completion.js';
import { formatOpenAIPassthroughResponse } from './format-openai-passthrough-response.js';
import { OpenAIPassthroughEncoder } from './openai-passthrough-encoder.js';
import { parseChatCompletionsRequest } from './parse-chat-completions-request.js';

/** OpenAI Chat Completions (`POST /v1/chat/completions`), the gateway's first dialect. */
export const openAIChatDialect: IngressDialect = {
  name: 'openai-chat',
  parse: parseChatCompletionsRequest,
  formatResponse: formatChatCompletion,
  createStreamEncoder(options) {
    const encoder = new ChatChunkEncoder({
      id: `chatcmpl-${options.requestId}`,
      model: options.model,
      modelPrefix: options.modelPrefix,
      includeUsage: options.includeUsage,
    });
    return {
      encode: (part) => encoder.encode(part),
      finish: () => [...encoder.finish(), '[DONE]'],
      // OpenAI's in-stream error: a `data:` line with a top-level `error`.
      fail: (error) => JSON.stringify(error.toBody()),
    };
  },
  passthrough: {
    name: 'openai-chat',
    formatResponse: formatOpenAIPassthroughResponse,
    createStreamEncoder: (options) => new OpenAIPassthroughEncoder(options),
  },
  formatError: (error) => ({ status: error.status, body: error.toBody() }),
};
