import { defineProvider } from '@switchyard/core';
import { cohereOptionsSchema, type CohereEmbeddingInputType, type CohereOptions } from './cohere-options.js';
import { createCohereAdapters } from './create-cohere-adapters.js';

/** The Cohere provider: `providers: { cohere: { api_key: ${COHERE_API_KEY} } }`. */
const cohere = defineProvider<CohereOptions>({
  name: 'cohere',
  optionsSchema: cohereOptionsSchema,
  create: (options) => createCohereAdapters(options),
});

export default cohere;
export { cohere, createCohereAdapters, cohereOptionsSchema, type CohereOptions, type CohereEmbeddingInputType };
export { buildCohereChatBody } from './build-cohere-chat-body.js';
export { convertToCohereMessages } from './convert-to-cohere-messages.js';
export { convertToCohereTools, type CohereToolFields } from './convert-to-cohere-tools.js';
export { parseCohereChatResponse } from './parse-cohere-chat-response.js';
export { createCohereStreamDecoder } from './cohere-stream-decoder.js';
export { createCohereEmbeddingsAdapter } from './create-cohere-embeddings-adapter.js';
export { createCohereModelsAdapter } from './create-cohere-models-adapter.js';
export { createCohereEndpoint, type CohereEndpoint } from './cohere-endpoint.js';
export { mapCohereError } from './map-cohere-error.js';
export { mapCohereFinishReason } from './map-cohere-finish-reason.js';
export { mapCohereUsage } from './map-cohere-usage.js';
export { listUnsupportedSettings } from './list-unsupported-settings.js';
export type * from './cohere-wire-types.js';
