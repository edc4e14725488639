import type { Span } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import type { StreamPart } from '../src/canonical/stream-part.js';
import type { PassthroughEvent, UnreadEventReader } from '../src/plugin/provider-types.js';
import { firstTokenEvent } from '../src/tracing/gen-ai-attributes.js';
import { traceResult } from '../src/tracing/trace-result.js';
import type { ServerSentEvent } from '../src/transport/server-sent-event.js';

/** A recording span that keeps its event names and attributes. */
function fakeSpan() {
  const events: string[] = [];
  const attributes: Record<string, unknown> = {};
  const span = {
    isRecording: () => true,
    addEvent: (name: string) => events.push(name),
    setAttribute: (key: string, value: unknown) => (attributes[key] = value),
    setStatus: () => undefined,
    end: () => undefined,
  } as unknown as Span;
  return { span, events, attributes };
}

const event = (data: string): ServerSentEvent => ({ event: undefined, data, id: undefined });

describe('traceResult on a fast-path stream with unread events', () => {
  it('reads unread events only until the first token, which it times', async () => {
    const read: string[] = [];
    const reader: UnreadEventReader = {
      read(each) {
        read.push(each.data);
        return each.data === '' ? [] : [{ type: 'text-delta', delta: each.data }];
      },
    };
    const start: StreamPart = { type: 'stream-start', id: 'a', model: 'm', created: 1 };
    const items: PassthroughEvent[] = [
      { event: event('start'), parts: [start] },
      { event: event(''), parts: [], unread: reader },
      { event: event('Hello'), parts: [], unread: reader },
      { event: event(' there'), parts: [], unread: reader },
      { event: event('finish'), parts: [{ type: 'finish', finishReason: { unified: 'stop', raw: 'stop' } }] },
    ];
    async function* source() {
      yield* items;
    }
    const { span, events, attributes } = fakeSpan();
    const traced = traceResult(
      { kind: 'chat-passthrough-stream', events: source() },
      { span, requestSpan: undefined, attemptStartedAt: performance.now(), requestStartedAt: performance.now(), onFinished: () => undefined },
    );
    const seen: PassthroughEvent[] = [];
    if (traced.kind !== 'chat-passthrough-stream') throw new Error('not a fast-path stream');
    for await (const item of traced.events) seen.push(item);

    expect(seen).toEqual(items);
    expect(events).toEqual([firstTokenEvent]);
    expect(attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
    // The empty delta did not count; after "Hello" nothing more was read.
    expect(read).toEqual(['', 'Hello']);
  });
});
