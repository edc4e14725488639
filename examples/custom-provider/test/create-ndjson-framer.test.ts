import { GatewayError } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { createNdjsonFramer } from '../src/create-ndjson-framer.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('createNdjsonFramer', () => {
  it('gives one event per complete line, keeping a line split across chunks (and inside a character) whole', () => {
    const framer = createNdjsonFramer('acme');
    const wire = bytes('{"kind":"chunk","text":"18°C"}\n\n{"kind":"end"}\n');
    const cut = wire.indexOf(0xb0); // the second byte of "°"
    expect(framer.feed(wire.subarray(0, cut))).toEqual([]);
    expect(framer.feed(wire.subarray(cut)).map((event) => event.data)).toEqual(['{"kind":"chunk","text":"18°C"}', '{"kind":"end"}']);
    expect(framer.end()).toEqual([]);
  });

  it('refuses a body that ends inside a line', () => {
    const framer = createNdjsonFramer('acme');
    framer.feed(bytes('{"kind":"chu'));
    expect(() => framer.end()).toThrow(GatewayError);
  });

  it('refuses a line that grows past 1 MiB instead of buffering it without end', () => {
    const framer = createNdjsonFramer('acme');
    const piece = bytes('x'.repeat(256 * 1024));
    expect(() => {
      for (let i = 0; i < 5; i++) framer.feed(piece);
    }).toThrow(expect.objectContaining({ code: 'upstream_invalid_response' }));
  });
});
