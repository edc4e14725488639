export type * from './responses-wire-types.js';
export { createResponsesDialect, openAIResponsesDialect, type ResponsesDialectOptions } from './openai-responses-dialect.js';
export {
  parseResponsesRequest,
  prepareResponsesValidator,
  prefixConversation,
  defaultResponsesEcho,
  type ParsedResponsesRequest,
  type ResponsesEcho,
} from './parse-responses-request.js';
export { responsesRequestSchema, responsesRequestBounds, responseIdPattern, knownIncludes } from './responses-request-schema.js';
export { responsesItemsToMessages } from './responses-items-to-messages.js';
export { formatResponsesResponse, type ResponsesFormatOptions } from './format-responses-response.js';
export { ResponsesStreamEncoder, type ResponsesStreamEncoderOptions } from './responses-stream-encoder.js';
export { toResponsesUsage } from './responses-usage.js';
export { toResponsesStatus } from './responses-status.js';
export { toResponsesError, toResponsesErrorCode, type ResponsesError, type ResponsesErrorCode } from './responses-error.js';
export { responsesItemId } from './responses-item-id.js';
