import { defineProvider } from '@switchyard/core';
import { createOpenAIAdapters } from './create-openai-adapters.js';
import { openAIOptionsSchema, type OpenAIOptions, type OpenAIProviderOptions } from './openai-options.js';
import { resolveOpenAIOptions } from './presets/resolve-openai-options.js';

/**
 * The OpenAI provider: `providers: { openai: { api_key: ${OPENAI_API_KEY} } }`, and
 * every OpenAI-compatible service: `providers: { groq: { use: openai, preset: groq, api_key: … } }`.
 */
const openai = defineProvider<OpenAIProviderOptions>({
  name: 'openai',
  optionsSchema: openAIOptionsSchema,
  create: (options) => createOpenAIAdapters(resolveOpenAIOptions(options)),
});

export default openai;
export { openai, createOpenAIAdapters, openAIOptionsSchema, type OpenAIOptions, type OpenAIProviderOptions };
export { buildChatBody } from './build-chat-body.js';
export { parseChatCompletion } from './parse-chat-completion.js';
export { createOpenAIStreamDecoder } from './openai-stream-decoder.js';
export { mapOpenAIError, mapOpenAIErrorBody, retryAfterSeconds } from './map-openai-error.js';
export { createOpenAIEndpoint, type OpenAIEndpoint } from './openai-endpoint.js';
export { createEmbeddingsAdapter, readEmbeddingsData, toFloatVectors } from './embeddings-adapter.js';
export { createModelsAdapter } from './models-adapter.js';
export { openAIBaseUrl } from './openai-options.js';
export { openAIPresets, openAIPresetNames, type OpenAIPreset, type OpenAIPresetName } from './presets/openai-presets.js';
export { resolveOpenAIOptions } from './presets/resolve-openai-options.js';
export { createCompatibleStreamDecoder } from './presets/create-compatible-stream-decoder.js';
export { parseCompatibleCompletion } from './presets/parse-compatible-completion.js';
export { mapCompatibleError, mapCompatibleErrorBody } from './presets/map-compatible-error.js';
export { readCompatibleUsage } from './presets/read-compatible-usage.js';
export { readCompatibleContent, fromCompatibleFinishReason } from './presets/read-compatible-content.js';
export { dropUnsupportedParams } from './presets/drop-unsupported-params.js';
