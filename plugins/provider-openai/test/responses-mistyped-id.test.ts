import { decodeSseText } from '@switchyard/testing';
import { describe, expect, it } from 'vitest';
import { parseResponsesResponse } from '../src/responses/parse-responses-response.js';
import { createResponsesStreamDecoder } from '../src/responses/responses-stream-decoder.js';

/** A Response id that is not text is none (the gateway then names the answer itself): `{}` was written as "[object Object]". */
describe('a Responses answer whose id is not text', () => {
  it.each([[{}], [5], [['resp_1']], [null]])('reads an id of %j as none, whole or streamed', async (id) => {
    const response = { id, status: 'completed', output: [], usage: { input_tokens: 1, output_tokens: 1, total_tokens: 2 } };
    expect(parseResponsesResponse(response, 'openai').id).toBe('');
    const event = (type: string, body: unknown) => `event: ${type}\ndata: ${JSON.stringify({ type, response: body })}\n\n`;
    const stream = event('response.created', { ...response, status: 'in_progress' }) + event('response.completed', response);
    const parts = await decodeSseText(createResponsesStreamDecoder('openai'), stream);
    expect(parts[0]).toMatchObject({ type: 'stream-start', id: '' });
  });
});
