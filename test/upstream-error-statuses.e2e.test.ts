import { readFixture } from '@switchyard/testing';
import { describe, expect, it } from 'vitest';
import { gatewayOverReplay } from './support/gateway-over-replay.js';
import { onceModels } from './support/request-records.js';
import { missingFields } from './support/sdk-required-fields.js';
import { masterKey } from './support/start-test-gateway.js';

/**
 * An upstream's refusal, as each of the gateway's three surfaces answers it: the status
 * the catalogue gives it, Anthropic's `error.type` for that status on `/v1/messages`
 * (https://docs.claude.com/en/api/errors), and every field the official SDKs' error types
 * require. The upstreams answer with their recorded error bodies (the shared fixtures).
 */

const rig = gatewayOverReplay((url) => ({
  providers: {
    openai: { api_key: 'sk-proj-errors-0123456789abcdef', base_url: url, responses_api: false },
    anthropic: { api_key: 'sk-ant-errors-0123456789abcdef', base_url: url },
  },
  models: onceModels({ openai: 'openai/gpt-4o-mini', anthropic: 'anthropic/claude-sonnet-4-5' }),
  server: { fast_path: false },
  chain: ['auth', 'key-scope', 'route', 'adapter'],
}));

type Json = Record<string, any>;
const fixtureError = (provider: string, name: string) => {
  const recorded = (JSON.parse(readFixture(provider, 'errors.json')) as Json)[name] as Json;
  return { status: recorded['status'] as number, body: JSON.stringify(recorded['body']) };
};
/** What nginx or a load balancer answers a body past its limit with, before the API sees it. */
const proxyTooLarge = { status: 413, body: '<html><head><title>413 Request Entity Too Large</title></head><body>nginx</body></html>' };

/** `status` is the OpenAI surfaces'; `anthropicStatus`, where given, /v1/messages' (Anthropic's 529 for overload). */
const cases: Array<{ name: string; provider: 'openai' | 'anthropic'; upstream: { status: number; body: string }; status: number; anthropicStatus?: number; anthropicType: string }> = [
  { name: 'Anthropic 400', provider: 'anthropic', upstream: fixtureError('anthropic', 'bad_request'), status: 400, anthropicType: 'invalid_request_error' },
  { name: 'Anthropic 401', provider: 'anthropic', upstream: fixtureError('anthropic', 'invalid_key'), status: 401, anthropicType: 'authentication_error' },
  { name: 'Anthropic 403', provider: 'anthropic', upstream: fixtureError('anthropic', 'permission_denied'), status: 403, anthropicType: 'permission_error' },
  { name: 'Anthropic 404', provider: 'anthropic', upstream: fixtureError('anthropic', 'not_found'), status: 404, anthropicType: 'not_found_error' },
  { name: 'Anthropic 413', provider: 'anthropic', upstream: fixtureError('anthropic', 'request_too_large'), status: 413, anthropicType: 'request_too_large' },
  { name: 'Anthropic 429', provider: 'anthropic', upstream: fixtureError('anthropic', 'rate_limit'), status: 429, anthropicType: 'rate_limit_error' },
  { name: 'Anthropic 500', provider: 'anthropic', upstream: fixtureError('anthropic', 'server_error'), status: 502, anthropicType: 'api_error' },
  { name: 'Anthropic 529', provider: 'anthropic', upstream: fixtureError('anthropic', 'overloaded'), status: 503, anthropicStatus: 529, anthropicType: 'overloaded_error' },
  { name: 'OpenAI 400', provider: 'openai', upstream: fixtureError('openai', 'bad_request'), status: 400, anthropicType: 'invalid_request_error' },
  { name: 'OpenAI 401', provider: 'openai', upstream: fixtureError('openai', 'invalid_key'), status: 401, anthropicType: 'authentication_error' },
  { name: 'OpenAI 403', provider: 'openai', upstream: fixtureError('openai', 'permission_denied'), status: 403, anthropicType: 'permission_error' },
  { name: 'OpenAI 413 from a proxy', provider: 'openai', upstream: proxyTooLarge, status: 413, anthropicType: 'request_too_large' },
  { name: 'OpenAI 429', provider: 'openai', upstream: fixtureError('openai', 'rate_limit'), status: 429, anthropicType: 'rate_limit_error' },
  { name: 'OpenAI 500', provider: 'openai', upstream: fixtureError('openai', 'server_error'), status: 502, anthropicType: 'api_error' },
  { name: 'OpenAI 503', provider: 'openai', upstream: fixtureError('openai', 'overloaded'), status: 503, anthropicStatus: 529, anthropicType: 'overloaded_error' },
  // An OpenAI-compatible service out of credit (OpenRouter's 402, its code a number) was a 400
  // upstream_bad_request: the client blamed, and no other deployment tried.
  { name: 'OpenAI-compatible 402 out of credit', provider: 'openai', upstream: { status: 402, body: '{"error":{"code":402,"message":"Insufficient credits"}}' }, status: 429, anthropicType: 'rate_limit_error' },
  // A proxy's gateway timeout in front of the service was a 502 upstream_server_error.
  { name: 'OpenAI 504 from a proxy', provider: 'openai', upstream: { status: 504, body: '<html><body><h1>504 Gateway Time-out</h1></body></html>' }, status: 504, anthropicType: 'timeout_error' },
];

async function post(path: string, body: unknown): Promise<{ status: number; body: Json; requestId: string | null }> {
  const response = await fetch(`${rig.gateway.origin}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Json, requestId: response.headers.get('x-request-id') };
}

describe('an upstream refusal on each surface', () => {
  it.each(cases)('$name: /v1/messages answers its status with Anthropic’s error type, every field of ErrorResponse there', async ({ provider, upstream, status, anthropicStatus, anthropicType }) => {
    rig.replay.play({ ...upstream, contentType: upstream.body.startsWith('<') ? 'text/html' : 'application/json' });
    const answer = await post('/v1/messages', { model: `${provider}-once`, max_tokens: 16, messages: [{ role: 'user', content: 'Hi' }] });
    expect({ status: answer.status, type: answer.body['error']?.['type'] }).toEqual({ status: anthropicStatus ?? status, type: anthropicType });
    expect(missingFields(answer.body, '@anthropic-ai/sdk/resources/shared.d.ts', 'ErrorResponse')).toEqual([]);
    expect(answer.body['request_id']).toBe(answer.requestId);
  });

  it.each(cases)('$name: /v1/chat/completions and /v1/responses answer the same status, every field of OpenAI’s ErrorObject there', async ({ provider, upstream, status }) => {
    rig.replay.play({ ...upstream, contentType: upstream.body.startsWith('<') ? 'text/html' : 'application/json' });
    const chat = await post('/v1/chat/completions', { model: `${provider}-once`, messages: [{ role: 'user', content: 'Hi' }] });
    const responses = await post('/v1/responses', { model: `${provider}-once`, input: 'Hi' });
    for (const answer of [chat, responses]) {
      expect(answer.status).toBe(status);
      expect(missingFields(answer.body['error'], 'openai/resources/shared.d.ts', 'ErrorObject')).toEqual([]);
    }
  });

  it('ends a /v1/messages stream that fails after it began with an error event holding every field of ErrorResponse, its request id too', async () => {
    const stream = readFixture('anthropic', 'stream.txt');
    const cut = stream.slice(0, stream.indexOf('event: content_block_stop'));
    const failure = (JSON.parse(readFixture('anthropic', 'errors.json')) as Json)['stream_error_event']['wire'] as string;
    rig.replay.play({ body: cut + failure, contentType: 'text/event-stream' });
    const response = await fetch(`${rig.gateway.origin}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': masterKey, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'anthropic-once', max_tokens: 16, stream: true, messages: [{ role: 'user', content: 'Hi' }] }),
    });
    const text = await response.text();
    const error = /event: error\ndata: (.*)\n/.exec(text);
    expect(error).not.toBeNull();
    const body = JSON.parse(error![1]!) as Json;
    expect(body['error']['type']).toBe('overloaded_error');
    expect(missingFields(body, '@anthropic-ai/sdk/resources/shared.d.ts', 'ErrorResponse')).toEqual([]);
    expect(body['request_id']).toBe(response.headers.get('x-request-id'));
  });
});
