import type { RecordedRequest } from '../mock-server/recorded-request.js';
import type { ResponseWriter } from '../mock-server/response-writer.js';
import type { AnthropicErrorCases } from './anthropic-error-cases.js';
import type { AnthropicMockIds } from './anthropic-mock-ids.js';

/** Everything a responder needs to answer one request. */
export interface AnthropicMockContext {
  request: RecordedRequest;
  writer: ResponseWriter;
  ids: AnthropicMockIds;
  errors: AnthropicErrorCases;
  /** Sent as the `request-id` header and repeated in error bodies, as Anthropic does. */
  requestId: string;
}
