import type { IncomingMessage } from 'node:http';
import type { RecordedRequest } from './recorded-request.js';

/** What the mock keeps of a request: the body parsed as JSON when it is JSON. */
export function recordRequest(req: IncomingMessage, rawBody: string): RecordedRequest {
  const url = new URL(req.url ?? '/', 'http://mock.invalid');
  return {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: req.headers,
    body: parseJson(rawBody),
    rawBody,
    aborted: false,
  };
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
