import { defineProvider } from '@switchyard/core';
import { createMistralAdapters } from './create-mistral-adapters.js';
import { mistralOptionsSchema, type MistralOptions } from './mistral-options.js';

/** The Mistral provider: `providers: { mistral: { api_key: ${MISTRAL_API_KEY} } }`. */
const mistral = defineProvider<MistralOptions>({
  name: 'mistral',
  optionsSchema: mistralOptionsSchema,
  create: (options) => createMistralAdapters(options),
});

export default mistral;
export { mistral, createMistralAdapters, mistralOptionsSchema, type MistralOptions };
export { buildMistralChatBody } from './build-mistral-chat-body.js';
export { toMistralToolCallId, isMistralToolCallId } from './to-mistral-tool-call-id.js';
