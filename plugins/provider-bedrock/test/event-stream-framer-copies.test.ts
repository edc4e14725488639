import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEventStreamFramer } from '../src/index.js';

/**
 * A large frame trickled in small chunks is joined once, when it is whole. Joined on
 * every chunk, a 16 MiB frame in 64 KiB chunks was copied 256 times over: 1.4 s of a
 * blocked event loop for every such frame an upstream sent, minutes in 1 KiB chunks.
 * Counted in bytes copied, not timed.
 */

const codec = new EventStreamCodec(toUtf8, fromUtf8);

function frame(text: string): Buffer {
  const headers = {
    ':message-type': { type: 'string', value: 'event' },
    ':event-type': { type: 'string', value: 'contentBlockDelta' },
    ':content-type': { type: 'string', value: 'application/json' },
  } as const;
  return Buffer.from(codec.encode({ headers, body: fromUtf8(JSON.stringify({ delta: { text } })) }));
}

afterEach(() => vi.restoreAllMocks());

describe('the event-stream framer', () => {
  it('copies a 1 MiB frame sent in 1 KiB chunks about once, not once per chunk, and decodes it whole', () => {
    const text = 'y'.repeat(1024 * 1024);
    const bytes = Buffer.concat([frame(text), frame('after')]);
    let copied = 0;
    const concat = Buffer.concat;
    vi.spyOn(Buffer, 'concat').mockImplementation((list, totalLength) => {
      const joined = concat(list, totalLength);
      copied += joined.length;
      return joined;
    });
    const framer = createEventStreamFramer();
    const events = [];
    for (let start = 0; start < bytes.length; start += 1024) events.push(...framer.feed(bytes.subarray(start, start + 1024)));
    events.push(...framer.end());

    expect(events.map((event) => (JSON.parse(event.data) as { delta: { text: string } }).delta.text)).toEqual([text, 'after']);
    expect(copied).toBeLessThanOrEqual(2 * bytes.length);
  });
});
