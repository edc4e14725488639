import type { ChatRequest, StreamPart } from '@switchyard/core';
import { decodeSseText, readFixture, readFixtureJson } from '@switchyard/testing';
import { describe, expect, it } from 'vitest';
import { buildMessagesBody, createAnthropicStreamDecoder, mapAnthropicErrorBody, parseAnthropicMessage } from '../src/index.js';

/**
 * Names an upstream or a client chooses, which a plain object answers from
 * Object.prototype when they are used as its keys unguarded.
 */
const hostileNames = ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', '__defineGetter__'];

async function decode(text: string): Promise<StreamPart[]> {
  const decoder = createAnthropicStreamDecoder('anthropic');
  return decodeSseText(decoder, text);
}

describe('Anthropic: a stop_reason named like an Object.prototype member is an unknown reason', () => {
  it.each(hostileNames)('whole answer, stop_reason %s → other, raw kept', (name) => {
    const body = { ...readFixtureJson<Record<string, unknown>>('anthropic', 'response.json'), stop_reason: name };
    expect(parseAnthropicMessage(body, 'anthropic').finishReason).toEqual({ unified: 'other', raw: name });
  });

  it.each(hostileNames)('stream, stop_reason %s → other, raw kept', async (name) => {
    const text = readFixture('anthropic', 'stream.txt').replace('"stop_reason":"tool_use"', `"stop_reason":${JSON.stringify(name)}`);
    expect(text).toContain(`"stop_reason":${JSON.stringify(name)}`);
    const finish = (await decode(text)).find((part) => part.type === 'finish');
    expect(finish).toEqual({ type: 'finish', finishReason: { unified: 'other', raw: name } });
  });
});

describe('Anthropic: an error type named like an Object.prototype member', () => {
  it.each(hostileNames)('in-stream error of type %s maps like an unknown type (500, retryable), not by Object.prototype', (name) => {
    const error = mapAnthropicErrorBody('anthropic', { type: 'error', error: { type: name, message: 'boom' } } as never);
    expect(error).toMatchObject({ code: 'upstream_server_error', retryable: true });
  });
});

describe('Anthropic: a provider_options field named __proto__', () => {
  it('stays a field of the body and never becomes its prototype (whose members would be read as options)', () => {
    const providerOptions = JSON.parse('{"anthropic":{"__proto__":{"max_tokens":7,"top_k":3}}}') as ChatRequest['providerOptions'];
    const request: ChatRequest = { model: 'anthropic/claude', messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }], stream: false, providerOptions };
    const { body } = buildMessagesBody(request, 'claude', { default_max_tokens: 4096, structured_outputs: 'output_config' });
    expect(body.max_tokens).toBe(4096);
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype);
    // Sent as a field, as the fast path's spread would send it.
    const sent = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
    expect(Object.hasOwn(sent, '__proto__')).toBe(true);
    expect(sent['__proto__']).toEqual({ max_tokens: 7, top_k: 3 });
    expect(sent['top_k']).toBeUndefined();
  });
});
