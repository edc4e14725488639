import type { RecordedRequest } from '../mock-server/recorded-request.js';
import type { ResponseWriter } from '../mock-server/response-writer.js';
import type { GeminiErrorCases } from './gemini-error-cases.js';
import type { GeminiMockIds } from './gemini-mock-ids.js';

/** Everything a responder needs to answer one request. */
export interface GeminiMockContext {
  request: RecordedRequest;
  writer: ResponseWriter;
  ids: GeminiMockIds;
  errors: GeminiErrorCases;
}
