import { defineProvider, type Attempt } from '@switchyard/core';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { recordQueue } from './support/request-records.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * A group (or a fallback) that holds a deployment whose provider offers no embeddings (Anthropic
 * is chat only) answers an embeddings request too. Such a deployment cannot serve it: the route
 * passes it over as it does a deployment that failed, and the client never gets a 400 blaming
 * its own `model` while another deployment could serve, nor in place of the failure that
 * actually ended the call.
 */
let east: MockOpenAI;
let gateway: TestGateway;

beforeAll(async () => {
  east = await startMockOpenAI();
  gateway = await startTestGateway({
    providers: {
      east: { use: 'openai', api_key: 'sk-test-abcdefgh', base_url: east.url },
      // Never called: it offers no embeddings. The port is closed.
      claude: { use: 'anthropic', api_key: 'sk-ant-test-abcdefgh', base_url: 'http://127.0.0.1:9' },
    },
    models: {
      // Claude first: priority routing always tries it before the embedder.
      mixed: {
        strategy: 'priority',
        deployments: [
          { target: 'claude/claude-sonnet-4-5', priority: 0 },
          { target: 'east/text-embedding-3-small', priority: 1 },
        ],
      },
      vectors: { deployments: [{ target: 'east/text-embedding-3-small' }], retries: { attempts: 0 }, fallbacks: ['claude/claude-sonnet-4-5'] },
    },
    chain: ['auth', 'route', 'adapter'],
  });
});
afterEach(() => east.reset());
afterAll(async () => {
  await gateway.close();
  await east.close();
});

async function embed(model: string, origin = gateway.origin) {
  const response = await fetch(`${origin}/v1/embeddings`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, input: 'hello there' }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as { data?: unknown[]; error?: { code: string } } };
}

describe('a deployment whose provider offers no embeddings', () => {
  it('is passed over in its group: the deployment that embeds serves', async () => {
    const { status, headers, body } = await embed('mixed');
    expect(body.error).toBeUndefined();
    expect(status).toBe(200);
    expect(body.data).toHaveLength(1);
    expect(headers.get('x-switchyard-model')).toBe('east/text-embedding-3-small');
  });

  it("as a fallback, leaves the group's own failure as the answer, not a 400 blaming the client's model", async () => {
    east.enqueue({ error: 'server_error' });
    const { status, body } = await embed('vectors');
    expect(status).toBe(502);
    expect(body.error?.code).toBe('upstream_server_error');
  });

  it('alone, is still the 400 unsupported_operation naming model', async () => {
    const { status, body } = await embed('claude/claude-sonnet-4-5');
    expect(status).toBe(400);
    expect(body.error?.code).toBe('unsupported_operation');
  });
});

/** A provider that offers embeddings alone (no chat); never called in these tests. */
const embeddingsOnly = defineProvider({
  name: 'embeddings-only',
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  create: () => ({
    embeddings: {
      embed: () => Promise.reject(new Error('not used')),
    },
  }),
});

describe('a deployment passed over for an operation its provider does not offer', () => {
  let breakerGateway: TestGateway;
  const deployments = (attempts: readonly Attempt[]) => attempts.map(({ deployment }) => `${deployment.provider}/${deployment.model}`);
  const breakers = async () => {
    const health = (await (await fetch(`${breakerGateway.origin}/health`)).json()) as { checks: { circuit_breakers: { breakers: Record<string, unknown> } } };
    return Object.keys(health.checks.circuit_breakers.breakers);
  };

  beforeAll(async () => {
    breakerGateway = await startTestGateway(
      {
        providers: {
          east: { use: 'openai', api_key: 'sk-test-abcdefgh', base_url: east.url },
          claude: { use: 'anthropic', api_key: 'sk-ant-test-abcdefgh', base_url: 'http://127.0.0.1:9' },
          vectors: { use: 'embeddings-only' },
        },
        models: {
          mixed: {
            strategy: 'priority',
            deployments: [
              { target: 'claude/claude-sonnet-4-5', priority: 0 },
              { target: 'east/text-embedding-3-small', priority: 1 },
            ],
          },
          talk: {
            strategy: 'priority',
            deployments: [
              { target: 'vectors/embed-1', priority: 0 },
              { target: 'east/gpt-4o-mini', priority: 1 },
            ],
          },
        },
        chain: ['auth', 'circuit-breaker', 'route', 'adapter'],
      },
      { plugins: [embeddingsOnly] },
    );
  });
  afterAll(() => breakerGateway.close());

  it('is no attempt of an embeddings request: not in its record, its attempts header or the circuit breakers', async () => {
    const record = recordQueue(breakerGateway).next();
    const { status, headers } = await embed('mixed', breakerGateway.origin);
    expect(status).toBe(200);
    expect(headers.get('x-switchyard-attempts')).toBe('1');
    expect(deployments((await record).attempts)).toEqual(['east/text-embedding-3-small']);
    expect(await breakers()).toEqual(['east/text-embedding-3-small']);
  });

  it('is no attempt of a chat request either (a provider that offers embeddings alone)', async () => {
    const record = recordQueue(breakerGateway).next();
    const response = await fetch(`${breakerGateway.origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'talk', messages: [{ role: 'user', content: 'hello there' }] }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-switchyard-attempts')).toBe('1');
    expect(deployments((await record).attempts)).toEqual(['east/gpt-4o-mini']);
    expect(await breakers()).not.toContain('vectors/embed-1');
  });
});
