import type { IncomingHttpHeaders } from 'node:http';

/** A request the mock received, kept in arrival order in `mock.requests`. */
export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/v1/chat/completions`. */
  path: string;
  /** Query parameters, if any. */
  query: Record<string, string>;
  /** Header names are lower-case, as Node gives them. */
  headers: IncomingHttpHeaders;
  /** The body parsed as JSON, or `undefined` when it was empty or not JSON. */
  body: unknown;
  /** The body as received. */
  rawBody: string;
  /** True when the client closed the connection before the mock finished answering. */
  aborted: boolean;
}
