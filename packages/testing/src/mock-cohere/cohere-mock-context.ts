import type { RecordedRequest } from '../mock-server/recorded-request.js';
import type { ResponseWriter } from '../mock-server/response-writer.js';
import type { CohereErrorCases } from './cohere-error-cases.js';
import type { CohereMockIds } from './cohere-mock-ids.js';

/** Everything a responder needs to answer one request. */
export interface CohereMockContext {
  request: RecordedRequest;
  writer: ResponseWriter;
  ids: CohereMockIds;
  errors: CohereErrorCases;
  /** Repeated as `id` in error bodies, as Cohere does. */
  requestId: string;
}
