import { GatewayError, type ServerSentEvent, type StreamPart } from '@switchyard/core';
import { readFixture, readFixtureJson } from '@switchyard/testing';
import { describe, expect, it } from 'vitest';
import { buildConverseBody, createConverseStreamDecoder, mapBedrockException, parseConverseResponse } from '../src/index.js';

/**
 * Names an upstream or a client chooses, which a plain object answers from
 * Object.prototype when they are used as its keys unguarded.
 */
const hostileNames = ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', '__defineGetter__'];
const info = { status: 200, headers: { 'x-amzn-requestid': 'req-1' } };

/** The decoded fixture stream as the framer hands it over, with messageStop's stopReason replaced. */
function streamWithStopReason(stopReason: string): ServerSentEvent[] {
  return readFixture('bedrock', 'stream-decoded.jsonl')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { headers: Record<string, string>; payload: Record<string, unknown> })
    .map(({ headers, payload }) => ({
      event: headers[':event-type']!,
      data: JSON.stringify(headers[':event-type'] === 'messageStop' ? { ...payload, stopReason } : payload),
      id: undefined,
    }));
}

describe('Bedrock: a stopReason named like an Object.prototype member is an unknown reason', () => {
  it.each(hostileNames)('whole answer, stopReason %s → other, raw kept', (name) => {
    const body = { ...readFixtureJson<Record<string, unknown>>('bedrock', 'response.json'), stopReason: name };
    expect(parseConverseResponse(body, 'bedrock', info).finishReason).toEqual({ unified: 'other', raw: name });
  });

  it.each(hostileNames)('stream, stopReason %s → other, raw kept', (name) => {
    const decoder = createConverseStreamDecoder('bedrock', info);
    const parts: StreamPart[] = streamWithStopReason(name).flatMap((event) => decoder.decode(event));
    parts.push(...decoder.end());
    expect(parts.find((part) => part.type === 'finish')).toEqual({ type: 'finish', finishReason: { unified: 'other', raw: name } });
  });
});

describe('Bedrock: an exception named like an Object.prototype member', () => {
  it.each(hostileNames)('an in-stream exception %s maps like an unknown one (500), its status a number', (name) => {
    const error = mapBedrockException('bedrock', name, { message: 'boom' });
    expect(error).toMatchObject({ code: 'upstream_server_error', upstreamStatus: 500, retryable: true });
  });
});

describe('Bedrock: an image media type named like an Object.prototype member', () => {
  it.each(['constructor', 'tostring', '__proto__', 'hasownproperty'])('%s is refused as an unsupported format', (mediaType) => {
    const request = {
      model: 'bedrock/m',
      stream: false,
      messages: [{ role: 'user' as const, content: [{ type: 'image' as const, source: { kind: 'base64' as const, mediaType, data: 'AAAA' } }] }],
    };
    expect(() => buildConverseBody(request)).toThrow(GatewayError);
    expect(() => buildConverseBody(request)).toThrow(/png, jpeg, gif and webp/);
  });
});
