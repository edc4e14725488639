import { defineProvider } from '@switchyard/core';
import { createAzureAdapters } from './create-azure-adapters.js';
import { azureOptionsSchema, defaultAzureApiVersion, type AzureOptions } from './azure-options.js';

/**
 * The Azure OpenAI provider:
 * `providers: { azure: { endpoint: https://my-resource.openai.azure.com, api_key: ${AZURE_OPENAI_API_KEY} } }`.
 */
const azure = defineProvider<AzureOptions>({
  name: 'azure',
  optionsSchema: azureOptionsSchema,
  create: (options) => createAzureAdapters(options),
});

export default azure;
export { azure, createAzureAdapters, azureOptionsSchema, defaultAzureApiVersion, type AzureOptions };
export { createAzureEndpoint, type AzureEndpoint, type AzureOperation } from './azure-endpoint.js';
export { createAzureStreamDecoder } from './azure-stream-decoder.js';
export { mapAzureError, filteredCategories } from './map-azure-error.js';
export { parseAzureCompletion } from './parse-azure-completion.js';
