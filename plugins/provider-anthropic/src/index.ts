import { defineProvider } from '@switchyard/core';
import { anthropicOptionsSchema, type AnthropicOptions } from './anthropic-options.js';
import { createAnthropicAdapters } from './create-anthropic-adapters.js';

/** The Anthropic provider: `providers: { anthropic: { api_key: ${ANTHROPIC_API_KEY} } }`. */
const anthropic = defineProvider<AnthropicOptions>({
  name: 'anthropic',
  optionsSchema: anthropicOptionsSchema,
  create: (options) => createAnthropicAdapters(options),
});

export default anthropic;
export { anthropic, createAnthropicAdapters, anthropicOptionsSchema, type AnthropicOptions };
export { buildMessagesBody, structuredOutputsBeta, type MessagesBody, type MessagesBodySettings } from './build-messages-body.js';
export { convertToAnthropicMessages, type AnthropicPrompt, type CacheBreakpoints } from './convert-to-anthropic-messages.js';
export { convertToAnthropicTools, type AnthropicToolFields } from './convert-to-anthropic-tools.js';
export { parseAnthropicMessage } from './parse-anthropic-message.js';
export { createAnthropicStreamDecoder } from './anthropic-stream-decoder.js';
export { mapAnthropicError, mapAnthropicErrorBody } from './map-anthropic-error.js';
export { mapAnthropicStopReason } from './map-anthropic-stop-reason.js';
export { mapAnthropicUsage } from './map-anthropic-usage.js';
export { listUnsupportedSettings } from './list-unsupported-settings.js';
export { jsonResponseToolName } from './json-response-tool.js';
export type * from './anthropic-wire-types.js';
