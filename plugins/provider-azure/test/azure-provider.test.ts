import {
  createLogger,
  GatewayError,
  parseChatCompletionsRequest,
  PluginOptionsError,
  startProvider,
  UpstreamTransport,
  type ChatResponse,
  type HttpChatAdapter,
  type HttpEmbeddingsAdapter,
  type HttpModelsAdapter,
  type Provider,
  type StreamPart,
  type DirectModelsOperation,
} from '@switchyard/core';
import { startMockAzure, type MockAzure } from '@switchyard/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import azure, { defaultAzureApiVersion } from '../src/index.js';

const logger = createLogger({ level: 'silent' });
const endpoint = 'https://my-resource.openai.azure.com';
const chatRequest = (body: Record<string, unknown> = {}) =>
  parseChatCompletionsRequest({ model: 'azure/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 64, ...body }).request;
const call = (model: string) => ({ request: chatRequest(), model, signal: new AbortController().signal, logger });

function adapters(options: Record<string, unknown>) {
  return azure({ endpoint, api_key: 'key-123', ...options }).build();
}
function chatUpstream(options: Record<string, unknown>, model = 'gpt-4o-mini', body: Record<string, unknown> = {}) {
  const chat = adapters(options).chat as HttpChatAdapter;
  return chat.buildRequest(chatRequest(body), model, call(model));
}

describe('Azure URLs', () => {
  it('builds deployment URLs with the default api-version, the model name as deployment', () => {
    const request = chatUpstream({});
    expect(request.origin).toBe(endpoint);
    expect(request.path).toBe(`/openai/deployments/gpt-4o-mini/chat/completions?api-version=${defaultAzureApiVersion}`);
    expect(defaultAzureApiVersion).toBe('2024-10-21');
    expect(request.method).toBe('POST');
  });

  it('maps model names to deployments, and uses a configured api-version', () => {
    const request = chatUpstream({ deployments: { 'gpt-4o-mini': 'prod-mini' }, api_version: '2025-04-01-preview' });
    expect(request.path).toBe('/openai/deployments/prod-mini/chat/completions?api-version=2025-04-01-preview');
    expect(JSON.parse(request.body!).model).toBe('prod-mini');
  });

  it('escapes a deployment name in the path', () => {
    expect(chatUpstream({}, 'my deployment/1').path).toBe('/openai/deployments/my%20deployment%2F1/chat/completions?api-version=2024-10-21');
  });

  it('builds v1 URLs without api-version, the deployment as body model', () => {
    const request = chatUpstream({ api: 'v1', deployments: { 'gpt-4o-mini': 'prod-mini' } });
    expect(request.path).toBe('/openai/v1/chat/completions');
    expect(JSON.parse(request.body!).model).toBe('prod-mini');
    expect(chatUpstream({ api: 'v1', api_version: 'preview' }).path).toBe('/openai/v1/chat/completions?api-version=preview');
  });

  it('tolerates an endpoint given with a trailing slash, /openai or /openai/v1, and base_url', () => {
    for (const given of [`${endpoint}/`, `${endpoint}/openai`, `${endpoint}/openai/v1/`]) {
      expect(chatUpstream({ endpoint: given }).path).toBe('/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21');
    }
    const viaBaseUrl = azure({ base_url: endpoint, api_key: 'k' }).build().chat as HttpChatAdapter;
    expect(viaBaseUrl.buildRequest(chatRequest(), 'gpt-4o-mini', call('gpt-4o-mini')).origin).toBe(endpoint);
  });

  it('sends embeddings and the model list to the matching URLs', () => {
    const deployments = adapters({ deployments: {} });
    const embed = (deployments.embeddings as HttpEmbeddingsAdapter).buildRequest(
      { model: 'azure/text-embedding-3-small', input: ['a'] },
      'text-embedding-3-small',
      { request: { model: 'azure/text-embedding-3-small', input: ['a'] }, model: 'text-embedding-3-small', signal: new AbortController().signal, logger },
    );
    expect(embed.path).toBe('/openai/deployments/text-embedding-3-small/embeddings?api-version=2024-10-21');
    expect((deployments.models as HttpModelsAdapter).buildRequest().path).toBe('/openai/models?api-version=2024-10-21');
    expect((adapters({ api: 'v1' }).models as HttpModelsAdapter).buildRequest().path).toBe('/openai/v1/models');
  });

  it('lists the deployments map keys as the models when there is one', async () => {
    const models = adapters({ deployments: { 'gpt-4o': 'prod-4o', 'gpt-4o-mini': 'prod-mini' } }).models as DirectModelsOperation;
    expect(await models.list(new AbortController().signal)).toEqual([
      { id: 'gpt-4o', ownedBy: 'azure' },
      { id: 'gpt-4o-mini', ownedBy: 'azure' },
    ]);
  });

  it('writes the output limit in max_completion_tokens, or max_tokens when asked', () => {
    expect(JSON.parse(chatUpstream({}).body!)).toMatchObject({ max_completion_tokens: 64 });
    const older = JSON.parse(chatUpstream({ max_tokens_field: 'max_tokens' }).body!);
    expect(older.max_tokens).toBe(64);
    expect(older.max_completion_tokens).toBeUndefined();
  });

  it('asks streams for usage', () => {
    expect(JSON.parse(chatUpstream({}, 'gpt-4o-mini', { stream: true }).body!)).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  // Azure refuses a field its API version does not know ("Unrecognized request argument supplied: stream_options"):
  // stream_options came with GA 2024-10-21 and the previews from 2024-09-01-preview (fixtures/azure-openai/NOTES.md).
  it.each([
    [{ api_version: '2024-10-21' }, true],
    [{ api_version: '2025-04-01-preview' }, true],
    [{ api_version: '2024-09-01-preview' }, true],
    [{ api: 'v1' }, true],
    [{ api: 'v1', api_version: 'preview' }, true],
    [{ api_version: '2024-06-01' }, false],
    [{ api_version: '2024-02-01' }, false],
    [{ api_version: '2023-05-15' }, false],
    [{ api_version: '2024-08-01-preview' }, false],
    [{ api_version: '2024-05-01-preview' }, false],
  ])('with %j, sends stream_options: %s', (options, sent) => {
    const body = JSON.parse(chatUpstream(options, 'gpt-4o-mini', { stream: true }).body!) as Record<string, unknown>;
    expect(body['stream']).toBe(true);
    expect(body['stream_options'] !== undefined).toBe(sent);
  });
});

describe('Azure auth and options', () => {
  it('sends the key as api-key, never as Authorization', () => {
    const { headers } = chatUpstream({ headers: { 'x-team': 'search' } });
    expect(headers).toMatchObject({ 'api-key': 'key-123', 'content-type': 'application/json', 'x-team': 'search' });
    expect(headers['authorization']).toBeUndefined();
  });

  it('sends an Entra token as Authorization: Bearer', () => {
    const chat = azure({ endpoint, bearer_token: 'eyJ0eXAi' }).build().chat as HttpChatAdapter;
    const { headers } = chat.buildRequest(chatRequest(), 'gpt-4o-mini', call('gpt-4o-mini'));
    expect(headers['authorization']).toBe('Bearer eyJ0eXAi');
    expect(headers['api-key']).toBeUndefined();
  });

  it('lets no extra header override the credentials', () => {
    expect(chatUpstream({ headers: { 'api-key': 'other' } }).headers['api-key']).toBe('key-123');
  });

  it('declares both credentials as secrets and passes timeouts on', () => {
    const built = azure({ endpoint, api_key: 'k1', bearer_token: 't1', timeouts: { connect_ms: 5, body_ms: 7 } }).build();
    expect(built.secrets).toEqual(['k1', 't1']);
    expect(built.timeouts).toEqual({ connectMs: 5, bodyMs: 7 });
  });

  it('refuses options without an endpoint, with a bad api, or unknown fields', () => {
    expect(() => azure({ api_key: 'k' })).toThrow(PluginOptionsError);
    expect(() => azure({ endpoint, api: 'classic' })).toThrow(PluginOptionsError);
    expect(() => azure({ endpoint, apikey: 'k' })).toThrow(PluginOptionsError);
    expect(() => azure({ endpoint: 'my-resource.openai.azure.com' })).toThrow(PluginOptionsError);
  });

  it('is a provider plugin named azure', () => {
    expect(azure.pluginName).toBe('azure');
    expect(azure.kind).toBe('provider');
  });
});

describe('Azure provider against the mock', () => {
  const apiKey = 'azure-integration-key';
  const transport = new UpstreamTransport();
  let mock: MockAzure;
  let provider: Provider;
  let v1: Provider;

  beforeAll(async () => {
    mock = await startMockAzure({ apiKey });
    provider = startProvider('azure', azure({ endpoint: mock.url, api_key: apiKey, deployments: { 'gpt-4o-mini': 'prod-mini' } }), transport);
    v1 = startProvider('azure', azure({ endpoint: mock.url, api_key: apiKey, api: 'v1' }), transport);
  });
  afterAll(async () => {
    await transport.close();
    await mock.close();
  });
  beforeEach(() => mock.reset());

  const ask = (target: Provider, body: Record<string, unknown> = {}, model = 'gpt-4o-mini') =>
    target.chat!.complete({ request: chatRequest(body), model, signal: new AbortController().signal, logger });
  const askStream = async (target: Provider, body: Record<string, unknown> = {}) => {
    const parts: StreamPart[] = [];
    const stream = await target.chat!.stream({ request: chatRequest({ ...body, stream: true }), model: 'gpt-4o-mini', signal: new AbortController().signal, logger });
    for await (const part of stream) parts.push(part);
    return parts;
  };
  const textOf = (response: ChatResponse) => response.content.map((part) => (part.type === 'text' ? part.text : '')).join('');

  it('answers on the mapped deployment, which the mock echoes as the model', async () => {
    const response = await ask(provider);
    expect(textOf(response)).toBe('Echo: hi');
    expect(response.model).toBe('prod-mini');
    expect(mock.requests[0]!.path).toBe('/openai/deployments/prod-mini/chat/completions');
    expect(mock.requests[0]!.query['api-version']).toBe('2024-10-21');
    expect(mock.requests[0]!.headers['api-key']).toBe(apiKey);
    expect(response.providerMetadata?.['azure']).toHaveProperty('prompt_filter_results');
  });

  it('answers on the v1 API', async () => {
    const response = await ask(v1);
    expect(textOf(response)).toBe('Echo: hi');
    expect(mock.requests[0]!.path).toBe('/openai/v1/chat/completions');
    expect(mock.requests[0]!.query).toEqual({});
  });

  it('replays the fixtures byte for byte and decodes them', async () => {
    mock.enqueue({ fixture: 'response-tool-call.json' }, { fixture: 'stream.txt', stream: { splitBytes: true } });
    const whole = await ask(provider);
    expect(whole.content[0]).toMatchObject({ type: 'tool-call', id: 'call_Qm3vX8kT2pR9wN4sL7cY1dZb' });
    const parts = await askStream(provider);
    expect(parts[0]).toMatchObject({ type: 'stream-start', id: 'chatcmpl-CFb7mT8vN2qX5wR1kP9sLc4YzJ3Hd' });
    expect(parts.at(-1)).toEqual({ type: 'usage', usage: { inputTokens: 92, outputTokens: 27 } });
  });

  it('streams the default answer through the filter-only first chunk', async () => {
    const parts = await askStream(provider, { messages: [{ role: 'user', content: 'one two three' }] });
    expect(parts[0]).toMatchObject({ type: 'stream-start', id: expect.stringMatching(/^chatcmpl-/), model: 'prod-mini' });
    expect(parts.map((part) => (part.type === 'text-delta' ? part.delta : '')).join('')).toBe('Echo: one two three');
  });

  it('reports an output-filtered answer as content-filter, whole and streamed', async () => {
    mock.enqueue({ reply: { content: 'partial', finishReason: 'content_filter' } }, { reply: { content: 'partial', finishReason: 'content_filter' } });
    expect((await ask(provider)).finishReason).toEqual({ unified: 'content-filter', raw: 'content_filter' });
    const parts = await askStream(provider);
    expect(parts).toContainEqual({ type: 'finish', finishReason: { unified: 'content-filter', raw: 'content_filter' } });
  });

  it('fails a filtered prompt with content_filter naming the category, whole and streamed', async () => {
    mock.enqueue({ error: 'content_filter' }, { error: 'content_filter_prompt' });
    const whole = await ask(provider).catch((error: unknown) => error);
    expect(whole).toBeInstanceOf(GatewayError);
    expect(whole).toMatchObject({ code: 'content_filter', status: 400, retryable: false });
    expect((whole as GatewayError).message).toContain('violence');
    await expect(askStream(provider)).rejects.toMatchObject({ code: 'content_filter' });
  });

  it('maps a missing deployment to upstream_not_found', async () => {
    mock.enqueue({ error: 'deployment_not_found' });
    await expect(ask(provider, {}, 'nope')).rejects.toMatchObject({ code: 'upstream_not_found', status: 404 });
  });

  it('maps a wrong key to upstream_authentication_failed without repeating the key', async () => {
    const wrong = startProvider('azure', azure({ endpoint: mock.url, api_key: 'wrong-key-0000' }), transport);
    const error = (await ask(wrong).catch((caught: unknown) => caught)) as GatewayError;
    expect(error).toMatchObject({ code: 'upstream_authentication_failed', status: 401 });
    expect(error.message).not.toContain('wrong-key-0000');
  });

  it('passes the rate limit wait on', async () => {
    mock.enqueue({ error: 'rate_limit' });
    await expect(ask(provider)).rejects.toMatchObject({ code: 'rate_limit_exceeded', retryable: true, retryAfterSeconds: 6 });
  });

  // Azure's data-plane envelope names the status as a string code ("429") or a word ("ServiceUnavailable"), in a stream too.
  it.each([
    ['a rate limit', { error: { code: '429', message: 'Requests to the ChatCompletions_Create Operation have exceeded token rate limit.' } }, 'rate_limit_exceeded', 429],
    ['an overload', { error: { code: 'ServiceUnavailable', message: 'The service is temporarily unable to process your request.' } }, 'upstream_overloaded', 503],
  ])('maps %s inside a 200 stream as Azure named it, mid-stream and before the first chunk', async (_name, error, code, status) => {
    const errorWire = `data: ${JSON.stringify(error)}\n\n`;
    mock.enqueue({ stream: { midStreamError: true, errorAfterEvents: 3, errorWire } });
    await expect(askStream(provider)).rejects.toMatchObject({ code, status, retryable: true });
    // After only the filter-only chunk the call itself fails, so a router can still try another deployment.
    mock.enqueue({ stream: { midStreamError: true, errorAfterEvents: 1, errorWire } });
    await expect(provider.chat!.stream({ request: chatRequest({ stream: true }), model: 'gpt-4o-mini', signal: new AbortController().signal, logger }))
      .rejects.toMatchObject({ code, status, retryable: true });
  });

  it('embeds on the deployment URL and on v1', async () => {
    const embed = (target: Provider) =>
      target.embeddings!.embed({ request: { model: 'azure/text-embedding-3-small', input: ['a', 'b'] }, model: 'text-embedding-3-small', signal: new AbortController().signal, logger });
    expect((await embed(provider)).embeddings).toHaveLength(2);
    expect((await embed(v1)).embeddings).toHaveLength(2);
    expect(mock.requests.map((request) => request.path)).toEqual(['/openai/deployments/text-embedding-3-small/embeddings', '/openai/v1/embeddings']);
  });

  it('lists models: the deployments map statically, otherwise live', async () => {
    expect((await provider.listModels!(AbortSignal.timeout(5000))).map((model) => model.id)).toEqual(['gpt-4o-mini']);
    expect(mock.requests).toHaveLength(0);
    const live = await v1.listModels!(AbortSignal.timeout(5000));
    expect(live.map((model) => model.id)).toContain('gpt-4o-mini');
    expect(mock.requests[0]!.path).toBe('/openai/v1/models');
  });
});
