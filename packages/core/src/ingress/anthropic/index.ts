export type * from './anthropic-messages-wire-types.js';
export { anthropicMessagesDialect } from './anthropic-messages-dialect.js';
export { parseMessagesRequest, prepareMessagesValidator } from './parse-messages-request.js';
export { messagesRequestSchema, messagesRequestBounds } from './messages-request-schema.js';
export { formatAnthropicMessage } from './format-anthropic-message.js';
export { formatAnthropicError } from './format-anthropic-error.js';
export { AnthropicStreamEncoder } from './anthropic-stream-encoder.js';
export { toAnthropicStopReason } from './anthropic-stop-reason.js';
export { toAnthropicUsage } from './anthropic-usage.js';
