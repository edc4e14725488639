import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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

async function embed(model: string) {
  const response = await fetch(`${gateway.origin}/v1/embeddings`, {
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
