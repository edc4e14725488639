import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoopbackUpstream, type LoopbackUpstream } from './support/loopback-upstream.js';
import { streamedAsk } from './support/once-deployments.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * Two OpenAI-compatible upstreams (east, west) served by the one openai plugin, and an
 * Anthropic one under its own id: a stream error named the plugin ("The openai stream
 * ended before its first chunk"), so neither the client nor the logs could tell east
 * from west. It names the configured provider now, as the gateway's own messages do.
 */

/** What each upstream streams: its end marker alone, or an error event before any chunk. */
type Wire = 'end-only' | 'error';
let wire: Wire = 'end-only';
const answers: Record<string, Record<Wire, string>> = {
  '/chat/completions': {
    'end-only': 'data: [DONE]\n\n',
    error: 'data: {"error":{"message":"The server had an error while processing your request.","type":"server_error","code":null}}\n\n',
  },
  '/v1/messages': {
    'end-only': 'event: message_stop\ndata: {"type":"message_stop"}\n\n',
    error: 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
  },
};

let upstream: LoopbackUpstream;
let gateway: TestGateway;
beforeAll(async () => {
  upstream = await startLoopbackUpstream((req, _body, res) => {
    const path = Object.keys(answers).find((suffix) => req.url?.endsWith(suffix));
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end(path ? answers[path]![wire] : '');
  });
  const once = (target: string) => ({ deployments: [{ target }], retries: { attempts: 0 } });
  gateway = await startTestGateway({
    providers: {
      east: { use: 'openai', api_key: 'sk-test-east-0123456789', base_url: `${upstream.origin}/east/v1` },
      west: { use: 'openai', preset: 'groq', api_key: 'gsk-test-west-0123456789', base_url: `${upstream.origin}/west/v1` },
      claude: { use: 'anthropic', api_key: 'sk-ant-test-claude-0123456789', base_url: upstream.origin },
    },
    models: { 'east-once': once('east/gpt-4o-mini'), 'west-once': once('west/llama-3.1-8b-instant'), 'claude-once': once('claude/claude-sonnet-4-5') },
  });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

const cases = ['east', 'west', 'claude'].flatMap((provider) => ['/v1/chat/completions', '/v1/messages'].map((route) => ({ provider, route })));

async function streamError(provider: string, route: string): Promise<{ status: number; message: string }> {
  const response = await fetch(`${gateway.origin}${route}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(streamedAsk(route, `${provider}-once`)),
  });
  const body = (await response.json()) as { error?: { message?: string } };
  return { status: response.status, message: body.error?.message ?? '' };
}

describe('a stream error names the configured provider, not the plugin', () => {
  it.each(cases)('$provider on $route: a stream of its end marker alone', async ({ provider, route }) => {
    wire = 'end-only';
    const { status, message } = await streamError(provider, route);
    expect(status).toBe(502);
    expect(message).toMatch(new RegExp(`^The ${provider} (upstream )?stream ended before`));
    expect(message).not.toMatch(/\b(openai|groq|anthropic)\b/);
  });

  it.each(cases)('$provider on $route: an error event before any chunk', async ({ provider, route }) => {
    wire = 'error';
    const { status, message } = await streamError(provider, route);
    expect(status).toBeGreaterThanOrEqual(500);
    expect(message).toContain(provider);
    expect(message).not.toMatch(/\b(openai|groq|anthropic)\b/);
  });
});
