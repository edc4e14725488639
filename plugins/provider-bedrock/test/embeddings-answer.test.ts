import { createLogger, parseUpstreamJson, type HttpEmbeddingsAdapter } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { createBedrockAdapters } from '../src/index.js';

const embeddings = createBedrockAdapters({ region: 'us-east-1', api_key: 'k', headers: {}, timeouts: {}, models: [], models_ttl_ms: 0 } as never)
  .embeddings as HttpEmbeddingsAdapter;
const call = {
  request: { model: 'bedrock/amazon.titan-embed-text-v2:0', input: ['hello'] },
  model: 'amazon.titan-embed-text-v2:0',
  signal: new AbortController().signal,
  logger: createLogger({ level: 'silent' }),
};
const parse = (text: string) => embeddings.parseResponse(parseUpstreamJson(text), { status: 200, headers: {} }, call);

describe('Titan embeddings answers', () => {
  it('reads a vector of finite numbers and its token count', () => {
    expect(parse('{"embedding":[0.25,-0.5],"inputTextTokenCount":2}')).toMatchObject({ embeddings: [[0.25, -0.5]], usage: { inputTokens: 2 } });
  });

  // 1e309 is read as Infinity, which the client's JSON got as null.
  it.each(['1e309', '-1e999'])('refuses a vector holding %s as upstream_invalid_response', (number) => {
    expect(() => parse(`{"embedding":[0.25,${number}],"inputTextTokenCount":2}`)).toThrow(expect.objectContaining({ code: 'upstream_invalid_response', status: 502 }));
  });
});
