import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { readRequestBody } from './read-request-body.js';
import { recordRequest } from './record-request.js';
import type { RecordedRequest } from './recorded-request.js';
import { ResponseWriter } from './response-writer.js';
import type { MockServerState } from './start-mock-server.js';
import { watchForClientAbort } from './watch-for-client-abort.js';

/** One request a mock has read and recorded, its connection still open. */
export interface ReceivedRequest {
  req: IncomingMessage;
  res: ServerResponse;
  request: RecordedRequest;
  writer: ResponseWriter;
  /** The id the writer sends as `x-request-id`. */
  requestId: string;
  /** Tells the abort count the mock cut the connection itself, for cuts made without the writer (Bedrock's raw frames). */
  markCut(): void;
}

/**
 * The `node:http` request listener every mock is built on: it reads and records the
 * request, watches for the client going away, and hands a request still open to
 * `answer`. A failure of the mock itself becomes a 500, or a dropped connection
 * once the answer began.
 */
export function mockRequestListener(
  state: MockServerState & { ids: { request(): string } },
  answer: (received: ReceivedRequest) => Promise<void>,
): RequestListener {
  return (req, res) => {
    const requestId = state.ids.request();
    const writer = new ResponseWriter(res, requestId);
    receive(state, req, res, writer, requestId, answer).catch((error: unknown) => {
      writer.fail(`Mock upstream failed: ${error instanceof Error ? error.message : String(error)}`);
    });
  };
}

async function receive(
  state: MockServerState,
  req: IncomingMessage,
  res: ServerResponse,
  writer: ResponseWriter,
  requestId: string,
  answer: (received: ReceivedRequest) => Promise<void>,
): Promise<void> {
  const rawBody = await readRequestBody(req);
  const request = recordRequest(req, rawBody ?? '');
  state.requests.push(request);
  let cutByMock = false;
  watchForClientAbort(state, request, writer, () => cutByMock);
  if (rawBody === undefined || !writer.isOpen) return;
  const markCut = (): void => {
    cutByMock = true;
  };
  await answer({ req, res, request, writer, requestId, markCut });
}
