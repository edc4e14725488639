import { defineProvider } from '@switchyard/core';
import { bedrockOptionsSchema, type BedrockOptions } from './bedrock-options.js';
import { createBedrockAdapters } from './create-bedrock-adapters.js';

/** The AWS Bedrock provider: `providers: { bedrock: { region: us-east-1, access_key_id: …, secret_access_key: … } }`. */
const bedrock = defineProvider<BedrockOptions>({
  name: 'bedrock',
  optionsSchema: bedrockOptionsSchema,
  create: (options) => createBedrockAdapters(options),
});

export default bedrock;
export { bedrock, createBedrockAdapters, bedrockOptionsSchema, type BedrockOptions };
export { createBedrockEndpoint, bedrockSigningService, type BedrockEndpoint } from './bedrock-endpoint.js';
export { buildConverseBody } from './build-converse-body.js';
export { convertToBedrockMessages, type BedrockPrompt } from './convert-to-bedrock-messages.js';
export { convertToBedrockTools } from './convert-to-bedrock-tools.js';
export { parseConverseResponse } from './parse-converse-response.js';
export { createConverseStreamDecoder } from './create-converse-stream-decoder.js';
export { createEventStreamFramer } from './create-event-stream-framer.js';
export { mapBedrockError, mapBedrockException } from './map-bedrock-error.js';
export { mapBedrockStopReason } from './map-bedrock-stop-reason.js';
export { mapBedrockUsage } from './map-bedrock-usage.js';
export { signAwsRequest, formatAmzDate, type AwsCredentials, type AwsRequestToSign, type AwsSignatureHeaders } from './sign-aws-request.js';
export { jsonResponseToolName } from './json-response-tool.js';
export type * from './bedrock-wire-types.js';
