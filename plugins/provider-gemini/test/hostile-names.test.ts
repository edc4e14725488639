import type { StreamPart } from '@switchyard/core';
import { decodeSseText, readFixture, readFixtureJson } from '@switchyard/testing';
import { describe, expect, it } from 'vitest';
import { convertJsonSchemaForGemini, convertToGeminiContents, createGeminiStreamDecoder, parseGenerateContentResponse } from '../src/index.js';

/**
 * Names an upstream or a client chooses, which a plain object answers from
 * Object.prototype when they are used as its keys unguarded.
 */
const hostileNames = ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', '__defineGetter__'];

async function decode(text: string): Promise<StreamPart[]> {
  const decoder = createGeminiStreamDecoder('gemini');
  return decodeSseText(decoder, text);
}

describe('Gemini: a finishReason named like an Object.prototype member is an unknown reason', () => {
  it.each(hostileNames)('whole answer, finishReason %s → other, raw kept', (name) => {
    const body = readFixtureJson<{ candidates: Array<Record<string, unknown>> }>('gemini', 'response.json');
    body.candidates[0]!['finishReason'] = name;
    expect(parseGenerateContentResponse(body, 'gemini').finishReason).toEqual({ unified: 'other', raw: name });
  });

  it.each(hostileNames)('stream, finishReason %s → other, raw kept', async (name) => {
    const text = readFixture('gemini', 'stream-text-only.txt').replaceAll('"finishReason": "STOP"', `"finishReason": ${JSON.stringify(name)}`);
    expect(text).toContain(JSON.stringify(name));
    const finish = (await decode(text)).find((part) => part.type === 'finish');
    expect(finish).toEqual({ type: 'finish', finishReason: { unified: 'other', raw: name } });
  });
});

describe("Gemini: a client's JSON schema with names like Object.prototype members", () => {
  it('a property named __proto__ is kept as a property, not made the properties map\'s prototype', () => {
    const schema = JSON.parse('{"type":"object","properties":{"__proto__":{"type":"string"},"city":{"type":"string"}},"required":["__proto__","city"]}');
    const { schema: converted, removed } = convertJsonSchemaForGemini(schema);
    const properties = converted['properties'] as Record<string, unknown>;
    expect(Object.getPrototypeOf(properties)).toBe(Object.prototype);
    expect(Object.keys(properties)).toEqual(['__proto__', 'city']);
    expect(properties['__proto__']).toEqual({ type: 'string' });
    expect(converted['required']).toEqual(['__proto__', 'city']);
    expect(removed).toEqual([]);
  });

  it.each(['constructor', 'toString', '__proto__'])('`required` naming %s without such a property is dropped as an unknown name', (name) => {
    const { schema: converted, removed } = convertJsonSchemaForGemini({ type: 'object', properties: { city: { type: 'string' } }, required: ['city', name] });
    expect(converted['required']).toEqual(['city']);
    expect(removed).toEqual(['/required']);
  });

  it.each(['constructor', 'toString', 'hasOwnProperty'])('a `type` of %s with a format drops the format instead of failing', (type) => {
    const { schema: converted, removed } = convertJsonSchemaForGemini({ type, format: 'date-time' });
    expect(converted).toEqual({ type });
    expect(removed).toEqual(['/format']);
  });

  it.each(['#/$defs/__proto__', '#/$defs/constructor', '#/__proto__'])('a $ref to %s, which the schema does not define, is removed', (ref) => {
    const { schema: converted, removed } = convertJsonSchemaForGemini({ $defs: {}, type: 'object', properties: { city: { $ref: ref } } });
    expect(removed).toContain('/properties/city/$ref');
    expect((converted['properties'] as Record<string, unknown>)['city']).toEqual({ type: 'object' });
  });
});

describe('Gemini: a Files API URL whose extension is named like an Object.prototype member', () => {
  it('gets the default media type, not a function', () => {
    const url = 'https://generativelanguage.googleapis.com/v1beta/files/abc.constructor';
    const { contents } = convertToGeminiContents([{ role: 'user', content: [{ type: 'image', source: { kind: 'url', url } }] }]);
    expect(contents[0]!.parts[0]).toEqual({ fileData: { mimeType: 'image/jpeg', fileUri: url } });
  });
});
