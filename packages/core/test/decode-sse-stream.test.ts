import { describe, expect, it } from 'vitest';
import { decodeSseStream, type ServerSentEvent } from '../src/index.js';

async function collect(chunks: Array<Uint8Array | string>): Promise<ServerSentEvent[]> {
  async function* source() {
    yield* chunks;
  }
  const events: ServerSentEvent[] = [];
  for await (const event of decodeSseStream(source())) events.push(event);
  return events;
}

describe('decodeSseStream', () => {
  it('keeps a multi-byte character whole when a network chunk splits it', async () => {
    const bytes = Buffer.from('data: {"text":"18°C"}\n\n', 'utf8');
    const degree = bytes.indexOf(0xc2);
    const events = await collect([bytes.subarray(0, degree + 1), bytes.subarray(degree + 1)]);
    expect(events.map((event) => JSON.parse(event.data))).toEqual([{ text: '18°C' }]);
  });

  it('reads CRLF-separated events and event names', async () => {
    const events = await collect(['event: ping\r\ndata: {}\r\n\r\ndata: one\r\n', '\r\ndata: two\r\n\r\n']);
    expect(events).toEqual([
      { event: 'ping', data: '{}', id: undefined },
      { event: undefined, data: 'one', id: undefined },
      { event: undefined, data: 'two', id: undefined },
    ]);
  });

  it('delivers a last event that the server closed without a blank line', async () => {
    const events = await collect(['data: last']);
    expect(events.map((event) => event.data)).toEqual(['last']);
  });
});
