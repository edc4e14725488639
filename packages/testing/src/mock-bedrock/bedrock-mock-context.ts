import type { ServerResponse } from 'node:http';
import type { RecordedRequest } from '../mock-server/recorded-request.js';
import type { ResponseWriter } from '../mock-server/response-writer.js';
import type { BedrockErrorCases } from './bedrock-error-cases.js';
import type { BedrockMockIds } from './bedrock-mock-ids.js';

/** Everything a responder needs to answer one request. */
export interface BedrockMockContext {
  request: RecordedRequest;
  writer: ResponseWriter;
  /** The raw response, for binary event-stream writes. */
  res: ServerResponse;
  ids: BedrockMockIds;
  errors: BedrockErrorCases;
  /** Sent as `x-amzn-RequestId` on every answer. */
  requestId: string;
  /** Marks a connection the mock destroys on purpose (`cutAfterEvents`), so it is not taken for a client abort. */
  markCut(): void;
}
