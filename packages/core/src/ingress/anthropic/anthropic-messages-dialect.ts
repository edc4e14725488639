import type { IngressDialect } from '../ingress-dialect.js';
import { AnthropicPassthroughEncoder } from './anthropic-passthrough-encoder.js';
import { formatAnthropicPassthroughMessage } from './format-anthropic-passthrough-message.js';
import { AnthropicStreamEncoder } from './anthropic-stream-encoder.js';
import { formatAnthropicError } from './format-anthropic-error.js';
import { formatAnthropicMessage } from './format-anthropic-message.js';
import { parseMessagesRequest } from './parse-messages-request.js';

/** Anthropic's Messages API (`POST /v1/messages`), for Claude Code and the Anthropic SDKs. */
export const anthropicMessagesDialect: IngressDialect = {
  name: 'anthropic-messages',
  parse: parseMessagesRequest,
  formatResponse: formatAnthropicMessage,
  createStreamEncoder: (options) => new AnthropicStreamEncoder(options),
  passthrough: {
    name: 'anthropic-messages',
    formatResponse: formatAnthropicPassthroughMessage,
    createStreamEncoder: (options) => new AnthropicPassthroughEncoder(options),
  },
  formatError: formatAnthropicError,
};
