import type { MockIds } from './mock-ids.js';
import type { OpenAIErrorCases } from './openai-error-cases.js';
import type { RecordedRequest } from '../mock-server/recorded-request.js';
import type { ResponseWriter } from '../mock-server/response-writer.js';

/** Everything a responder needs to answer one request. */
export interface MockContext {
  request: RecordedRequest;
  writer: ResponseWriter;
  ids: MockIds;
  errors: OpenAIErrorCases;
}
