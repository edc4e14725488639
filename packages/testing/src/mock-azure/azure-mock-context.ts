import type { MockIds } from '../mock-openai/mock-ids.js';
import type { RecordedRequest } from '../mock-server/recorded-request.js';
import type { ResponseWriter } from '../mock-server/response-writer.js';
import type { AzureErrorCases } from './azure-error-cases.js';
import type { AzureRoute } from './azure-route.js';

/** Everything a responder needs to answer one request. */
export interface AzureMockContext {
  request: RecordedRequest;
  route: AzureRoute | undefined;
  writer: ResponseWriter;
  ids: MockIds;
  errors: AzureErrorCases;
}
