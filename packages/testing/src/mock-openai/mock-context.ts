import type { MockIds } from './mock-ids.js';
import type { OpenAIErrorCases } from './openai-error-cases.js';
import type { RecordedRequest } from './recorded-request.js';
import type { ResponseWriter } from './response-writer.js';

/** Everything a responder needs to answer one request. */
export interface MockContext {
  request: RecordedRequest;
  writer: ResponseWriter;
  ids: MockIds;
  errors: OpenAIErrorCases;
}
