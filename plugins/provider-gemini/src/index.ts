import { defineProvider } from '@switchyard/core';
import { createGeminiAdapters } from './create-gemini-adapters.js';
import { geminiOptionsSchema, type GeminiOptions } from './gemini-options.js';

/** The Gemini provider: `providers: { gemini: { api_key: ${GEMINI_API_KEY} } }`. */
const gemini = defineProvider<GeminiOptions>({
  name: 'gemini',
  optionsSchema: geminiOptionsSchema,
  create: (options) => createGeminiAdapters(options),
});

export default gemini;
export { gemini, createGeminiAdapters, geminiOptionsSchema, type GeminiOptions };
export type { GeminiCallContext, GeminiChatAdapter } from './create-gemini-adapters.js';
export { buildGenerateContentBody, type GenerateContentBody, type GenerateContentBodySettings } from './build-generate-content-body.js';
export { convertJsonSchemaForGemini, type GeminiSchemaConversion } from './convert-json-schema-for-gemini.js';
export { convertToGeminiContents, type GeminiConversation } from './convert-to-gemini-contents.js';
export { convertToGeminiTools, type GeminiToolsConversion } from './convert-to-gemini-tools.js';
export { parseGenerateContentResponse } from './parse-generate-content-response.js';
export { createGeminiStreamDecoder } from './gemini-stream-decoder.js';
export { mapGeminiError, mapGeminiErrorBody } from './map-gemini-error.js';
export { mapGeminiFinishReason } from './map-gemini-finish-reason.js';
export { mapGeminiUsage } from './map-gemini-usage.js';
export { readRetryDelay } from './read-retry-delay.js';
export { inventToolCallId } from './invent-tool-call-id.js';
export { readThoughtSignature } from './read-thought-signature.js';
export { createGeminiEmbeddingsAdapter, type GeminiEmbeddingsAdapter } from './gemini-embeddings-adapter.js';
export { createGeminiModelsAdapter, type GeminiModelsAdapter } from './gemini-models-adapter.js';
export type * from './gemini-wire-types.js';
