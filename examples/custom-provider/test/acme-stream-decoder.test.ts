import { describe, expect, it } from 'vitest';
import { createAcmeStreamDecoder } from '../src/acme-stream-decoder.js';

const event = (data: string) => ({ event: undefined, data, id: undefined });

describe('createAcmeStreamDecoder', () => {
  it('refuses a line that is valid JSON but not an object', () => {
    const decoder = createAcmeStreamDecoder('acme');
    expect(() => decoder.decode(event('null'))).toThrow(expect.objectContaining({ code: 'upstream_invalid_response' }));
    expect(() => decoder.decode(event('[1]'))).toThrow(expect.objectContaining({ code: 'upstream_invalid_response' }));
  });

  it('ignores line kinds it does not know, and refuses a stream that ends before its end line', () => {
    const decoder = createAcmeStreamDecoder('acme');
    expect(decoder.decode(event('{"kind":"chunk","text":"hi"}'))).toEqual([{ type: 'text-delta', delta: 'hi' }]);
    expect(decoder.decode(event('{"kind":"heartbeat"}'))).toEqual([]);
    expect(() => decoder.end()).toThrow(expect.objectContaining({ code: 'upstream_invalid_response' }));
  });

  it('sends no usage for a meter with non-finite or negative counts: the gateway bills its estimate', () => {
    const decoder = createAcmeStreamDecoder('acme');
    const parts = decoder.decode(event('{"kind":"end","ended_because":"max_len","meter":{"read":1e999,"written":-3}}'));
    expect(parts).toEqual([
      { type: 'finish', finishReason: { unified: 'length', raw: 'max_len' } },
    ]);
    expect(decoder.end()).toEqual([]);
  });
});
