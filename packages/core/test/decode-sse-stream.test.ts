import { describe, expect, it } from 'vitest';
import { decodeSseStream, type ServerSentEvent } from '../src/index.js';
import { maxStreamEventChars, StreamEventTooLargeError } from '../src/transport/sse-decoder.js';

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

  it('drops a byte order mark at the start of the body, even when the first chunk splits it', async () => {
    const bytes = Buffer.from('\ufeffdata: one\n\n', 'utf8');
    expect((await collect([bytes])).map((event) => event.data)).toEqual(['one']);
    expect((await collect([bytes.subarray(0, 1), bytes.subarray(1, 2), bytes.subarray(2)])).map((event) => event.data)).toEqual(['one']);
  });

  it('keeps a byte order mark that is not at the start as text', async () => {
    const events = await collect([Buffer.from('data: a\ufeffb\n\n', 'utf8')]);
    expect(events.map((event) => event.data)).toEqual(['a\ufeffb']);
  });

  it('joins multi-line data, skips comments, and reads CR-only line ends and id fields', async () => {
    const events = await collect([
      Buffer.from(': keep-alive\n\nid: 7\nevent: delta\ndata: first\ndata: second\n\n'),
      Buffer.from('data: cr\r\rdata: crlf\r\n\r\n'),
    ]);
    expect(events).toEqual([
      { event: 'delta', data: 'first\nsecond', id: '7' },
      { event: undefined, data: 'cr', id: undefined },
      { event: undefined, data: 'crlf', id: undefined },
    ]);
  });

  it('reads a character the body ends in the middle of as U+FFFD', async () => {
    const bytes = Buffer.from('data: 18°', 'utf8');
    const events = await collect([bytes.subarray(0, bytes.length - 1)]);
    expect(events.map((event) => event.data)).toEqual(['18\ufffd']);
  });

  it('reads fields as the SSE spec says: one optional space, bare field names, empty values, fields it does not know ignored', async () => {
    const events = await collect([
      'data:tight\n\ndata:  two spaces\n\ndata\n\n',
      'event\ndata: no name\n\nevent: named\nevent:\ndata: unnamed again\n\n',
      'retry: 1000\nfoo: bar\ndata : not data\ndata: kept\n\n',
    ]);
    expect(events).toEqual([
      { event: undefined, data: 'tight', id: undefined },
      { event: undefined, data: ' two spaces', id: undefined },
      { event: undefined, data: '', id: undefined },
      { event: undefined, data: 'no name', id: undefined },
      { event: undefined, data: 'unnamed again', id: undefined },
      { event: undefined, data: 'kept', id: undefined },
    ]);
  });

  it('takes an id unless it holds a NUL, for the one event that carries it', async () => {
    const events = await collect(['id: a\ndata: 1\n\ndata: 2\n\nid: b\u0000c\ndata: 3\n\nid\ndata: 4\n\n']);
    expect(events.map((event) => event.id)).toEqual(['a', undefined, undefined, '']);
  });

  it('sends no event for a blank line without data, and forgets the name it had', async () => {
    const events = await collect(['event: ping\n\n\n\ndata: after\n\n']);
    expect(events).toEqual([{ event: undefined, data: 'after', id: undefined }]);
  });

  it('joins lines and line ends that network chunks split, a CR waiting to see whether an LF follows', async () => {
    const events = await collect(['da', 'ta: sp', 'lit\r', '\n\r', '\ndata: a\r', '\rdata: b\n', '\n']);
    expect(events.map((event) => event.data)).toEqual(['split', 'a', 'b']);
  });

  it('delivers a last event that ends in a lone CR when the body ends', async () => {
    const events = await collect(['data: one\r\rdata: last\r']);
    expect(events.map((event) => event.data)).toEqual(['one', 'last']);
  });

  it('refuses an event past maxStreamEventChars, one long line or many data lines, and reads one at the bound', async () => {
    const megabyte = 'x'.repeat(1024 * 1024);
    const lines = maxStreamEventChars / megabyte.length;
    // One line in 1 MiB chunks, one character more than the bound holds.
    const longLine = ['data: ', ...Array.from({ length: lines }, () => megabyte), 'x\n\n'];
    await expect(collect(longLine)).rejects.toBeInstanceOf(StreamEventTooLargeError);
    // The same text as data lines of one event: joined, they pass the bound too.
    const manyLines = Array.from({ length: lines + 1 }, () => `data: ${megabyte}\n`).concat('\n');
    await expect(collect(manyLines)).rejects.toBeInstanceOf(StreamEventTooLargeError);
    // A line exactly at the bound (`data: ` counts: it is held with the line), and the next event, are read.
    const atBound = ['data: ', ...Array.from({ length: lines - 1 }, () => megabyte), megabyte.slice('data: '.length), '\n\ndata: next\n\n'];
    const events = await collect(atBound);
    expect(events.map((event) => event.data.length)).toEqual([maxStreamEventChars - 'data: '.length, 4]);
  });
});
