import type { GatewayError } from '../../errors/gateway-error.js';
import type { DialectStreamEncoder, IngressDialect, StreamEncoderOptions } from '../ingress-dialect.js';
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
  createStreamEncoder: (options) => new OpenAIChatStreamEncoder(options),
  passthrough: {
    name: 'openai-chat',
    formatResponse: formatOpenAIPassthroughResponse,
    createStreamEncoder: (options) => new OpenAIPassthroughEncoder(options),
  },
  formatError: (error) => ({ status: error.status, body: error.toBody() }),
};

/** The chunk encoder as the dialect's stream encoder: `[DONE]` after the closing chunks, errors in OpenAI's in-stream shape. */
class OpenAIChatStreamEncoder extends ChatChunkEncoder implements DialectStreamEncoder {
  constructor(options: StreamEncoderOptions) {
    super({ ...options, id: `chatcmpl-${options.requestId}` });
  }

  override finish(): string[] {
    const closing = super.finish();
    closing.push('[DONE]');
    return closing;
  }

  // OpenAI's in-stream error: a `data:` line with a top-level `error`.
  fail(error: GatewayError): string {
    return JSON.stringify(error.toBody());
  }
}
