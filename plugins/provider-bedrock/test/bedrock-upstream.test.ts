import { createLogger, parseChatCompletionsRequest, startProvider, UpstreamTransport, type Provider } from '@switchyard/core';
import { collectParts, type MockBedrock, startMockBedrock, streamedText } from '@switchyard/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import bedrock from '../src/index.js';

const credentials = { accessKeyId: 'AKIDINTEGRATION', secretAccessKey: 'integration/Secret+Key/0123456789' };
const apiKey = 'ABSKQmVkcm9ja0FQSUtleS1leGFtcGxl';
const model = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const logger = createLogger({ level: 'silent' });
const transport = new UpstreamTransport();
let mock: MockBedrock;

beforeAll(async () => {
  mock = await startMockBedrock({ ...credentials, apiKey });
});
afterAll(async () => {
  await transport.close();
  await mock.close();
});
beforeEach(() => mock.reset());

const sigv4 = (extra: Record<string, unknown> = {}) =>
  startProvider(
    'bedrock',
    bedrock({ region: 'us-east-1', endpoint: mock.url, access_key_id: credentials.accessKeyId, secret_access_key: credentials.secretAccessKey, ...extra }),
    transport,
  );

function call(body: Record<string, unknown>) {
  const { request } = parseChatCompletionsRequest({ model: `bedrock/${model}`, ...body });
  return { request, model, signal: new AbortController().signal, logger };
}
const user = (content: unknown) => ({ messages: [{ role: 'user', content }] });

const streamed = async (provider: Provider, body: Record<string, unknown>) => collectParts(await provider.chat!.stream(call({ ...body, stream: true })));

describe('bedrock provider against the mock Bedrock Runtime', () => {
  it('signs with SigV4 (the mock recomputes it with the AWS SDK signer) and URL-encodes the model id', async () => {
    const response = await sigv4().chat!.complete(call(user('Weather in Paris?')));
    expect(response.content).toEqual([{ type: 'text', text: 'Echo: Weather in Paris?' }]);
    expect(response.id).toBe('00000000-0000-4000-8000-000000000001');
    const [request] = mock.requests;
    expect(request!.path).toBe('/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse');
    expect(request!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDINTEGRATION\/\d{8}\/us-east-1\/bedrock\/aws4_request, /);
    expect(request!.headers['x-amz-content-sha256']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads the cache writes kept an hour from usage.cacheDetails (ttl 1h), the rest being 5-minute writes', async () => {
    const usage = {
      inputTokens: 100,
      outputTokens: 17,
      totalTokens: 1717,
      cacheReadInputTokens: 0,
      cacheWriteInputTokens: 1600,
      cacheDetails: [{ ttl: '1h', inputTokens: 1000 }, { ttl: '5m', inputTokens: 600 }],
    };
    mock.enqueue({ body: { output: { message: { role: 'assistant', content: [{ text: 'Cached.' }] } }, stopReason: 'end_turn', usage } });
    const response = await sigv4().chat!.complete(call(user('hi')));
    expect(response.usage).toEqual({ inputTokens: 1700, outputTokens: 17, cacheWriteInputTokens: 1600, cacheWrite1hInputTokens: 1000 });
  });

  it('signs temporary credentials with their session token', async () => {
    await sigv4({ session_token: 'IQoJb3JpZ2luX2VjEXAMPLE/TOKEN==' }).chat!.complete(call(user('hi')));
    expect(mock.requests[0]!.headers['x-amz-security-token']).toBe('IQoJb3JpZ2luX2VjEXAMPLE/TOKEN==');
    expect(mock.requests[0]!.headers.authorization).toContain('x-amz-security-token');
  });

  it('maps a wrong secret (InvalidSignatureException) and an unknown key id to upstream_authentication_failed', async () => {
    const wrongSecret = sigv4({ secret_access_key: 'not-the-secret' });
    await expect(wrongSecret.chat!.complete(call(user('hi')))).rejects.toMatchObject({ code: 'upstream_authentication_failed', status: 401 });
    const wrongKey = sigv4({ access_key_id: 'AKIDUNKNOWN' });
    await expect(wrongKey.chat!.complete(call(user('hi')))).rejects.toMatchObject({ code: 'upstream_authentication_failed' });
  });

  it('authenticates with a Bedrock API key as a bearer token', async () => {
    const provider = startProvider('bedrock', bedrock({ base_url: mock.url, api_key: apiKey }), transport);
    const parts = await streamed(provider, user('Weather in Paris?'));
    expect(streamedText(parts)).toBe('Echo: Weather in Paris?');
    const wrong = startProvider('bedrock', bedrock({ base_url: mock.url, api_key: 'ABSKwrong' }), transport);
    await expect(wrong.chat!.complete(call(user('hi')))).rejects.toMatchObject({ code: 'upstream_authentication_failed' });
  });

  it('decodes the byte-exact stream.eventstream.bin replay, frames split mid-frame and across frames', async () => {
    for (const stream of [{}, { splitBytes: true }, { splitBytes: 5 }]) {
      mock.enqueue({ fixture: 'stream.eventstream.bin', stream });
      const parts = await streamed(sigv4(), user('Weather in Paris?'));
      expect(streamedText(parts)).toBe("I'll check the current weather in Paris.");
      expect(parts.filter((part) => part.type === 'tool-call-start')).toEqual([
        { type: 'tool-call-start', index: 0, id: 'tooluse_Xk9pQ2mT7vR4nW1sL8cZ3d', name: 'get_weather' },
      ]);
      const args = parts.map((part) => (part.type === 'tool-call-delta' ? part.argumentsDelta : '')).join('');
      expect(JSON.parse(args)).toEqual({ city: 'Paris', unit: 'celsius' });
      expect(parts.at(-1)).toEqual({ type: 'usage', usage: { inputTokens: 612, outputTokens: 71 } });
    }
  });

  it('fails a stream with an in-stream exception frame as the mapped error', async () => {
    mock.enqueue({ reply: { content: 'one two three four' }, stream: { midStreamError: true, errorAfterEvents: 3 } });
    await expect(streamed(sigv4(), user('hi'))).rejects.toMatchObject({ code: 'rate_limit_exceeded', retryable: true });
  });

  it('streams reasoning, and the mock accepts tool results sent back after their tool use', async () => {
    mock.enqueue({ reply: { reasoning: 'Let me think.', content: 'Done.' } });
    const parts = await streamed(sigv4(), user('hi'));
    expect(parts.filter((part) => part.type === 'reasoning-delta').map((part) => (part as { delta: string }).delta).join('')).toBe('Let me think.');
    const response = await sigv4().chat!.complete(
      call({
        messages: [
          { role: 'user', content: 'Weather?' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'tooluse_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
          { role: 'tool', tool_call_id: 'tooluse_1', content: '{"temperature":18}' },
        ],
        tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } }],
        tool_choice: 'none',
      }),
    );
    expect(response.content).toEqual([{ type: 'text', text: 'Tool result received: {"temperature":18}' }]);
  });

  it("takes a conversation that opens with the assistant's greeting (the mock refuses one not starting with a user turn, as Converse does)", async () => {
    mock.enqueue({ reply: { content: 'Hi there.' } });
    const response = await sigv4().chat!.complete(
      call({ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'assistant', content: 'Hello! How can I help?' }, { role: 'user', content: 'hi' }] }),
    );
    expect(response.content).toEqual([{ type: 'text', text: 'Hi there.' }]);
    const sent = mock.requests.at(-1)!.body as { messages: Array<{ role: string; content: unknown[] }> };
    expect(sent.messages.map((turn) => turn.role)).toEqual(['user', 'assistant', 'user']);
    expect(sent.messages[1]!.content).toEqual([{ text: 'Hello! How can I help?' }]);
  });

  it('takes a follow-up sent without tools over a history of tool use (the mock refuses toolUse without a toolConfig, as Converse does)', async () => {
    const response = await sigv4().chat!.complete(
      call({
        messages: [
          { role: 'user', content: 'Weather?' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'tooluse_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
          { role: 'tool', tool_call_id: 'tooluse_1', content: '{"temperature":18}' },
        ],
      }),
    );
    expect(response.content).toEqual([{ type: 'text', text: 'Tool result received: {"temperature":18}' }]);
  });

  it('embeds one text with Titan, refuses several, and lists the configured models', async () => {
    const provider = sigv4({ models: [model, 'amazon.titan-embed-text-v2:0'] });
    const embed = (input: string[]) =>
      provider.embeddings!.embed({ request: { model: 'bedrock/amazon.titan-embed-text-v2:0', input, dimensions: 256 }, model: 'amazon.titan-embed-text-v2:0', signal: new AbortController().signal, logger });
    const result = await embed(['hello']);
    expect(result.embeddings).toHaveLength(1);
    expect(result.embeddings[0]).toHaveLength(256);
    expect(mock.requests[0]!.path).toBe('/model/amazon.titan-embed-text-v2%3A0/invoke');
    await expect(embed(['a', 'b'])).rejects.toMatchObject({ code: 'invalid_request', status: 400 });
    expect(await provider.listModels!(AbortSignal.timeout(1000))).toEqual([
      { id: model, ownedBy: 'anthropic' },
      { id: 'amazon.titan-embed-text-v2:0', ownedBy: 'amazon' },
    ]);
  });

  it('refuses options without a region or endpoint, and without credentials', () => {
    expect(() => bedrock({ access_key_id: 'a', secret_access_key: 'b' })).toThrow(/invalid options/);
    expect(() => bedrock({ region: 'us-east-1' })).toThrow(/invalid options/);
    expect(() => bedrock({ region: 'us-east-1', api_key: 'k' })).not.toThrow();
  });
});
