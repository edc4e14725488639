import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../src/canonical/chat-request.js';
import { StreamPartTap } from '../src/chain/stream-part-tap.js';
import { AnthropicPassthroughEncoder } from '../src/ingress/anthropic/anthropic-passthrough-encoder.js';
import type { PassthroughEvent } from '../src/plugin/provider-types.js';

/**
 * On the fast path an Anthropic `message_delta` without a final usage is written with
 * the counts the gateway bills, which take the prompt's estimate when the upstream gave
 * no input count. The estimate read the whole prompt on every such event, so a hostile
 * stream of them cost the prompt's length per event. Counted, not timed: the request's
 * messages are read through a counter.
 */

/** A request whose `messages` count their reads: one read per estimate of the prompt. */
function countedRequest(): { request: ChatRequest; reads: () => number } {
  let reads = 0;
  const messages: ChatRequest['messages'] = [{ role: 'user', content: [{ type: 'text', text: 'x'.repeat(100_000) }] }];
  const request = { model: 'anthropic/claude', stream: true } as ChatRequest;
  Object.defineProperty(request, 'messages', {
    get: () => {
      reads++;
      return messages;
    },
    enumerable: true,
  });
  return { request, reads: () => reads };
}

function event(name: string, data: object, parts: PassthroughEvent['parts'] = []): PassthroughEvent {
  return { event: { event: name, data: JSON.stringify(data), id: undefined }, parts };
}

describe('the billed counts a fast-path stream writes on each event', () => {
  it('estimate the prompt once however many message_delta events ask for them', () => {
    const { request, reads } = countedRequest();
    const tap = new StreamPartTap(request);
    const encoder = new AnthropicPassthroughEncoder({ requestId: 'req_1', model: 'anthropic/claude', modelPrefix: 'anthropic/', includeUsage: true, billedUsage: () => tap.usage() });
    const write = (item: PassthroughEvent) => {
      // As the gateway's stream loop does: the tap sees each item, then the encoder writes it.
      tap.addEvent(item);
      return encoder.encode(item);
    };
    write(
      event('message_start', { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude', content: [], usage: {} } }, [
        { type: 'stream-start', id: 'msg_1', model: 'claude', created: 1 },
      ]),
    );
    const written: string[] = [];
    for (let index = 0; index < 1000; index++) {
      for (const out of write(event('message_delta', { type: 'message_delta', delta: { stop_reason: null }, usage: {} }))) written.push(typeof out === 'string' ? out : out.data);
    }

    expect(reads()).toBeLessThanOrEqual(1);
    // Every one still carries the billed counts: the prompt's estimate as its input.
    expect(written).toHaveLength(1000);
    const inputs = new Set(written.map((data) => (JSON.parse(data) as { usage: { input_tokens: number } }).usage.input_tokens));
    expect([...inputs]).toHaveLength(1);
    expect([...inputs][0]).toBeGreaterThan(20_000);
  });
});
