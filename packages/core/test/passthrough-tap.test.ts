import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SecretRedactor } from '../src/errors/redact-secrets.js';
import type { StreamPart } from '../src/canonical/stream-part.js';
import { GatewayError } from '../src/errors/gateway-error.js';
import { PassthroughTap } from '../src/gateway/passthrough-tap.js';
import type { StreamDecoder } from '../src/plugin/provider-types.js';
import type { ServerSentEvent } from '../src/transport/server-sent-event.js';

const event = (data: string): ServerSentEvent => ({ event: undefined, data, id: undefined });

/** A decoder that reads `text:…` as a text delta, `start` as the stream's start, and throws on `bad`; it counts its calls. */
function fakeDecoder() {
  const decoded: string[] = [];
  const decoder: StreamDecoder = {
    decode(each) {
      decoded.push(each.data);
      if (each.data === 'bad') throw new GatewayError('upstream_invalid_response', 'unreadable');
      if (each.data === 'start') return [{ type: 'stream-start', id: 'a', model: 'm', created: 1 }];
      return [{ type: 'text-delta', delta: each.data.slice('text:'.length) }];
    },
    end: () => [{ type: 'usage', usage: { inputTokens: 1, outputTokens: 2 } }],
  };
  return { decoder, decoded };
}

const contentOnly = (each: ServerSentEvent) => each.data.startsWith('text:') || each.data === 'bad';

describe('PassthroughTap', () => {
  it('decodes every event when the adapter has no content-only test', () => {
    const { decoder, decoded } = fakeDecoder();
    const tap = new PassthroughTap(decoder, undefined);
    expect(tap.decode(event('start'))).toEqual([{ event: event('start'), parts: [{ type: 'stream-start', id: 'a', model: 'm', created: 1 }] }]);
    expect(tap.decode(event('text:hi'))).toEqual([{ event: event('text:hi'), parts: [{ type: 'text-delta', delta: 'hi' }] }]);
    expect(decoded).toEqual(['start', 'text:hi']);
  });

  it('leaves content-only events unread, but always decodes the first event', () => {
    const { decoder, decoded } = fakeDecoder();
    const tap = new PassthroughTap(decoder, contentOnly);
    const [first] = tap.decode(event('text:first'));
    expect(first).toEqual({ event: event('text:first'), parts: [{ type: 'text-delta', delta: 'first' }] });
    const [second] = tap.decode(event('text:second'));
    expect(second!.parts).toEqual([]);
    expect(second!.unread).toBe(tap);
    expect(tap.decode(event('start'))[0]!.unread).toBeUndefined();
    expect(decoded).toEqual(['text:first', 'start']);
  });

  it('pushes onto the given items with decodeInto what decode returns, and nothing when the decoder throws', () => {
    const { decoder } = fakeDecoder();
    const tap = new PassthroughTap(decoder, undefined);
    const into: ReturnType<PassthroughTap['decode']> = [];
    tap.decodeInto(event('start'), into);
    tap.decodeInto(event('text:hi'), into);
    expect(into).toEqual([
      { event: event('start'), parts: [{ type: 'stream-start', id: 'a', model: 'm', created: 1 }] },
      { event: event('text:hi'), parts: [{ type: 'text-delta', delta: 'hi' }] },
    ]);
    expect(() => tap.decodeInto(event('bad'), into)).toThrow(GatewayError);
    expect(into).toHaveLength(2);
  });

  it('reads an unread event on demand, and an unreadable one as nothing', () => {
    const { decoder } = fakeDecoder();
    const tap = new PassthroughTap(decoder, contentOnly);
    tap.decode(event('start'));
    const [unread] = tap.decode(event('text:later'));
    expect(unread!.unread!.read(unread!.event!)).toEqual<StreamPart[]>([{ type: 'text-delta', delta: 'later' }]);
    const [bad] = tap.decode(event('bad'));
    expect(bad!.unread!.read(bad!.event!)).toEqual([]);
  });

  it("hands on the decoder's closing parts without an event", () => {
    const { decoder } = fakeDecoder();
    expect(new PassthroughTap(decoder, contentOnly).end()).toEqual([{ parts: [{ type: 'usage', usage: { inputTokens: 1, outputTokens: 2 } }] }]);
    expect(new PassthroughTap({ decode: () => [], end: () => [] }, contentOnly).end()).toEqual([]);
  });
});

describe('PassthroughTap: a known secret split across events', () => {
  const secretChars = [...'sk-proj-SPLITs3cr3t/KEY0123456789'];
  const redactor = new SecretRedactor([secretChars.join('')]);
  /** The secret's characters as JSON text spells them: each plain, `\uXXXX` or (for `/`) `\/`. */
  const spellings = fc.array(fc.constantFrom('plain', 'escape', 'short'), { minLength: secretChars.length, maxLength: secretChars.length });
  const spelledChars = (how: string[]) =>
    secretChars.map((char, index) => (how[index] === 'escape' ? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}` : how[index] === 'short' && char === '/' ? '\\/' : char));
  const chunk = (content: string) => event(`{"choices":[{"index":0,"delta":{"content":"${content}"}}]}`);
  const textDecoder: StreamDecoder = {
    decode: (each) => {
      const content = (JSON.parse(each.data) as { choices: Array<{ delta: { content: string } }> }).choices[0]!.delta.content;
      return [{ type: 'text-delta', delta: content }];
    },
    end: () => [],
  };

  it('property: read or left unread, the client never reads it, and the text around it reads as it came', () => {
    fc.assert(
      fc.property(spellings, fc.array(fc.nat({ max: secretChars.length }), { maxLength: 6 }), fc.boolean(), (how, cuts, lazy) => {
        const pieces = ['Your key is ', ...spelledChars(how), ' ok.'];
        const bounds = [...new Set(cuts.map((place) => place + 1))].sort((a, b) => a - b);
        const contents = [0, ...bounds].map((from, index) => pieces.slice(from, [...bounds, pieces.length][index]).join('')).filter((text) => text !== '');
        const tap = new PassthroughTap(textDecoder, lazy ? () => true : undefined, redactor);
        const out = [chunk('start'), ...contents.map(chunk)].flatMap((each) => tap.decode(each)).concat(tap.end());
        const read = out.map((item) => (item.event ? (JSON.parse(item.event.data) as { choices: Array<{ delta: { content: string } }> }).choices[0]!.delta.content : '')).join('');
        expect(read).toBe('startYour key is [REDACTED] ok.');
      }),
      { numRuns: 200 },
    );
  });
});

describe('PassthroughTap: a tail held back goes back to its own text only', () => {
  it("a call's arguments ending in what may start the key are not moved into the next call's", () => {
    const redactor = new SecretRedactor(['sk-proj-SPLITs3cr3t/KEY0123456789']);
    const decoder: StreamDecoder = { decode: () => [{ type: 'tool-call-delta', index: 0, argumentsDelta: 'x' }], end: () => [] };
    const tap = new PassthroughTap(decoder, () => true, redactor);
    const call = (index: number, start: string, args: string) =>
      event(`{"choices":[{"index":0,"delta":{"tool_calls":[{"index":${index},${start}"function":{${start ? '"name":"f",' : ''}"arguments":"${args}"}}]}}]}`);
    const events = [event('{"choices":[]}'), call(0, '"id":"a","type":"function",', ''), call(0, '', '{\\"q\\":\\"news'), call(1, '"id":"b","type":"function",', ''), call(1, '', '{\\"q\\":\\"sky\\"}')];
    const out = events.flatMap((each) => tap.decode(each)).concat(tap.end());
    const args = new Map<number, string>();
    for (const item of out) {
      const chunk = JSON.parse(item.event!.data) as { choices: Array<{ delta?: { tool_calls?: Array<{ index: number; function: { arguments: string } }> } }> };
      for (const each of chunk.choices[0]?.delta?.tool_calls ?? []) args.set(each.index, (args.get(each.index) ?? '') + each.function.arguments);
    }
    expect(Object.fromEntries(args)).toEqual({ 0: '{"q":"news', 1: '{"q":"sky"}' });
  });
});

describe('PassthroughTap: what a stream with a held tail counts', () => {
  const redactor = new SecretRedactor(['sk-proj-SPLITs3cr3t/KEY0123456789']);
  const chunk = (content: string) => event(`{"choices":[{"index":0,"delta":{"content":"${content}"}}]}`);
  const textDecoder: StreamDecoder = {
    decode: (each) => [{ type: 'text-delta', delta: (JSON.parse(each.data) as { choices: Array<{ delta: { content: string } }> }).choices[0]!.delta.content }],
    end: () => [],
  };

  it('property: read or left unread, each character is counted once (billing estimates a cut stream from it), a held tail too', () => {
    // Tails that may start the key are held back, then go on joined to the next delta or alone.
    const pieces = fc.array(fc.constantFrom('Ask for s', 'k-pro', 'j', ' plans', ' at sk', '-', 'ok.', 's'), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(pieces, fc.array(fc.boolean(), { minLength: 9, maxLength: 9 }), (contents, lazy) => {
        const tap = new PassthroughTap(textDecoder, (each) => lazy[(each.data.length * 7) % 9]!, redactor);
        const out = [chunk('start'), ...contents.map(chunk)].flatMap((each) => tap.decode(each)).concat(tap.end());
        // As StreamPartTap counts: an event's parts, or its text read on demand when the tap left it unread.
        const counted = out.flatMap((item) => (item.unread && item.event ? item.unread.read(item.event) : item.parts)).map((part) => (part.type === 'text-delta' ? part.delta : '')).join('');
        expect(counted).toBe(`start${contents.join('')}`);
      }),
      { numRuns: 300 },
    );
  });
});

describe('PassthroughTap: tool-call arguments (JSON in a JSON string) with a quoted end of the key', () => {
  it('property: cut anywhere, inside an inner escape too, the joined arguments still parse as JSON, the end blanked', () => {
    const secret = 'sk-proj-SPLITs3cr3t/KEY0123456789abcdef';
    const redactor = new SecretRedactor([secret]);
    const decoder: StreamDecoder = { decode: () => [{ type: 'tool-call-delta', index: 0, argumentsDelta: 'x' }], end: () => [] };
    const call = (args: string) => event(`{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"${args}"}}]}}]}`);
    // The end's characters \\u-escaped inside the arguments (as the raw event writes them), some of them.
    const escapedEnd = (quoted: string, every: number) => [...quoted].map((char, index) => (index % every === 0 ? `\\\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}` : char)).join('');
    fc.assert(
      fc.property(fc.integer({ min: 12, max: secret.length - 1 }), fc.integer({ min: 1, max: 4 }), fc.array(fc.nat(), { maxLength: 10 }), fc.boolean(), (length, every, places, lazy) => {
        const args = `{\\"token\\":\\"${escapedEnd(secret.slice(-length), every)}\\",\\"n\\":1}`;
        const bounds = [...new Set(places.map((place) => place % (args.length + 1)))].sort((a, b) => a - b);
        // Cut only between the outer JSON's characters (an event's own JSON is whole).
        const cuts = bounds.filter((at) => !/^(?:\\\\)*\\$/.test(args.slice(0, at).match(/\\*$/)![0]));
        const pieces = [0, ...cuts].map((from, index) => args.slice(from, [...cuts, args.length][index]));
        const tap = new PassthroughTap(decoder, lazy ? () => true : undefined, redactor);
        const out = [event('{"choices":[]}'), ...pieces.map(call)].flatMap((each) => tap.decode(each)).concat(tap.end());
        let joined = '';
        for (const item of out) {
          const chunk = JSON.parse(item.event!.data) as { choices: Array<{ delta?: { tool_calls?: Array<{ function: { arguments: string } }> } }> };
          for (const each of chunk.choices[0]?.delta?.tool_calls ?? []) joined += each.function.arguments;
        }
        expect((JSON.parse(joined) as { n: number }).n).toBe(1);
        expect(joined).toContain('[REDACTED]');
      }),
      { numRuns: 300 },
    );
  });
});
