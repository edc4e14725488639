import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../src/canonical/chat-request.js';
import type { StreamPart } from '../src/canonical/stream-part.js';
import { maxHeldCharacters, StreamPartTap } from '../src/chain/stream-part-tap.js';
import { GeneratedOutput } from '../src/pricing/generated-output.js';
import type { PassthroughEvent, UnreadEventReader } from '../src/plugin/provider-types.js';
import type { ServerSentEvent } from '../src/transport/server-sent-event.js';

const request: ChatRequest = { model: 'mock/echo', messages: [{ role: 'user', content: [{ type: 'text', text: 'x'.repeat(400) }] }], stream: false };
const start: StreamPart = { type: 'stream-start', id: 'a', model: 'm', created: 1 };
const event = (data: string): ServerSentEvent => ({ event: undefined, data, id: undefined });

/** Reads `…` as a text delta of the same characters, and counts what it read. */
function countingReader() {
  const read: string[] = [];
  const reader: UnreadEventReader = {
    read(each) {
      read.push(each.data);
      return [{ type: 'text-delta', delta: each.data }];
    },
  };
  return { reader, read };
}

const unread = (reader: UnreadEventReader, data: string): PassthroughEvent => ({ event: event(data), parts: [], unread: reader });

describe('StreamPartTap', () => {
  it("bills the provider's final usage, and reads no held event for it", () => {
    const { reader, read } = countingReader();
    const tap = new StreamPartTap(request);
    tap.addEvent({ event: event('first'), parts: [start] });
    tap.addEvent(unread(reader, 'Hello'));
    tap.addEvent({ event: event('last'), parts: [{ type: 'usage', usage: { inputTokens: 3, outputTokens: 9 } }] });
    expect(tap.usage()).toEqual({ inputTokens: 3, outputTokens: 9 });
    expect(read).toEqual([]);
  });

  it('bills a stream cut before its usage from every character delivered, the unread events read at the end', () => {
    const { reader, read } = countingReader();
    const tap = new StreamPartTap(request);
    const eager = new GeneratedOutput();
    tap.addEvent({ event: event('first'), parts: [start, { type: 'usage', usage: { inputTokens: 50, outputTokens: 1 }, partial: true }] });
    eager.add(start);
    eager.add({ type: 'usage', usage: { inputTokens: 50, outputTokens: 1 }, partial: true });
    for (const data of ['It is', ' currently', ' 18°C', ' in Paris.']) {
      tap.addEvent(unread(reader, data));
      eager.add({ type: 'text-delta', delta: data });
    }
    expect(read).toEqual([]);
    expect(tap.usage()).toEqual(eager.usage(request));
    // 26 letters and spaces, four a token, and `1`, `8`, `.` and `°`, a token each: ceil((26 + 4 × 4) / 4).
    expect(tap.usage()).toEqual({ inputTokens: 50, outputTokens: 11 });
    expect(read).toHaveLength(4);
  });

  it('holds at most maxHeldCharacters of event text: past it, the held events are read at once', () => {
    const { reader, read } = countingReader();
    const tap = new StreamPartTap(request);
    tap.addEvent({ event: event('first'), parts: [start] });
    const data = 'y'.repeat(1000);
    const events = Math.floor(maxHeldCharacters / data.length);
    for (let i = 0; i < events; i++) tap.addEvent(unread(reader, data));
    expect(read).toHaveLength(0);
    tap.addEvent(unread(reader, data));
    expect(read).toHaveLength(events + 1);
    tap.addEvent(unread(reader, data));
    expect(read).toHaveLength(events + 1);
    expect(tap.usage()?.outputTokens).toBe(Math.ceil(((events + 2) * data.length) / 4));
  });

  it('says whether the final usage is billed as it came, whichever of hasFinalUsage and usage is read first', () => {
    // An empty answer's output of 0 is the provider's count: the final usage is billed as it came.
    const empty = new StreamPartTap(request);
    empty.addPart(start);
    empty.addPart({ type: 'usage', usage: { inputTokens: 5, outputTokens: 0 } });
    expect(empty.hasFinalUsage).toBe(true);
    expect(empty.usage()).toEqual({ inputTokens: 5, outputTokens: 0 });
    expect(empty.hasFinalUsage).toBe(true);

    // An output of 0 for an answer that streamed text is unknown: the estimate's, so not the final usage.
    const streamed = new StreamPartTap(request);
    streamed.addPart(start);
    streamed.addPart({ type: 'usage', usage: { inputTokens: 5, outputTokens: 0 } });
    expect(streamed.usage()).toEqual({ inputTokens: 5, outputTokens: 0 });
    streamed.addPart({ type: 'text-delta', delta: 'abcdefgh' });
    expect(streamed.hasFinalUsage).toBe(false);
    expect(streamed.usage()).toEqual({ inputTokens: 5, outputTokens: 2 });
    expect(streamed.hasFinalUsage).toBe(false);
    // An event the provider's tap left unread counts too, after the bill was asked for as before it.
    streamed.addEvent(unread(countingReader().reader, 'ijkl'));
    expect(streamed.usage()).toEqual({ inputTokens: 5, outputTokens: 3 });
  });

  it('counts canonical parts of the translated path the same way', () => {
    const tap = new StreamPartTap(request);
    expect(tap.usage()).toBeUndefined();
    tap.addPart(start);
    tap.addPart({ type: 'text-delta', delta: 'abcdefgh' });
    tap.addPart({ type: 'usage', usage: { inputTokens: 7, outputTokens: 1 }, partial: true });
    // A partial usage is what the provider reported so far, not the bill.
    expect(tap.usage()).toEqual({ inputTokens: 7, outputTokens: 2 });
    tap.addPart({ type: 'usage', usage: { inputTokens: 7, outputTokens: 5 } });
    expect(tap.usage()).toEqual({ inputTokens: 7, outputTokens: 5 });
  });
});
