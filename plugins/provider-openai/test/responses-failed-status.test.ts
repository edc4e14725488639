import { decodeSseText } from '@switchyard/testing';
import { describe, expect, it } from 'vitest';
import { parseResponsesResponse } from '../src/responses/parse-responses-response.js';
import { createResponsesStreamDecoder } from '../src/responses/responses-stream-decoder.js';

/**
 * A failed Response (whole, `response.failed`, or an `error` event) says why in `code`:
 * a rate limit or an overload is that, not a server failure (all of them read as 500).
 */
describe('a failed Responses answer', () => {
  const failed = (code: string) => ({ id: 'resp_1', object: 'response', status: 'failed', output: [], error: { code, message: 'no' } });
  const event = (name: string, data: unknown) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
  const created = event('response.created', { type: 'response.created', response: { id: 'resp_1', status: 'in_progress', output: [] } });

  it.each([
    ['rate_limit_exceeded', 'rate_limit_exceeded', 429],
    ['server_error', 'upstream_server_error', 502],
  ])('reads error code %s as %s, whole, as response.failed and as an error event', async (code, gatewayCode, status) => {
    const expected = { code: gatewayCode, status, retryable: true };
    expect(() => parseResponsesResponse(failed(code), 'openai')).toThrow(expect.objectContaining(expected));
    await expect(decodeSseText(createResponsesStreamDecoder('openai'), created + event('response.failed', { type: 'response.failed', response: failed(code) }))).rejects.toMatchObject(expected);
    await expect(decodeSseText(createResponsesStreamDecoder('openai'), created + event('error', { type: 'error', code, message: 'no', param: null }))).rejects.toMatchObject(expected);
  });
});
