import { createLogger, type EmbeddingsRequest, type HttpEmbeddingsAdapter } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import openai from '../src/index.js';

const embeddings = openai({ api_key: 'sk-test' }).build().embeddings as HttpEmbeddingsAdapter;
const base64Of = (...floats: number[]) => Buffer.from(new Float32Array(floats).buffer).toString('base64');
const parse = (embedding: string, request: Partial<EmbeddingsRequest> = {}) =>
  embeddings.parseResponse(
    { object: 'list', data: [{ object: 'embedding', index: 0, embedding }], model: 'text-embedding-3-small', usage: { prompt_tokens: 1, total_tokens: 1 } },
    { status: 200, headers: {} },
    { request: { model: 'openai/text-embedding-3-small', input: ['a'], ...request }, model: 'text-embedding-3-small', signal: new AbortController().signal, logger: createLogger({ level: 'silent' }) },
  );

describe('an embeddings answer in base64', () => {
  it('is decoded for a client that asked for floats, and passed on as it came to a base64 client', () => {
    expect(parse(base64Of(0.5, -2)).embeddings).toEqual([[0.5, -2]]);
    expect(parse(base64Of(0.5, -2), { encodingFormat: 'base64' }).base64Embeddings).toEqual([base64Of(0.5, -2)]);
  });

  // A float32 NaN or Infinity reached the float client's vector as null.
  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
  ])('holding %s is upstream_invalid_response for a client that asked for floats', (_name, value) => {
    expect(() => parse(base64Of(0.5, value))).toThrow(expect.objectContaining({ code: 'upstream_invalid_response', status: 502 }));
  });
});
